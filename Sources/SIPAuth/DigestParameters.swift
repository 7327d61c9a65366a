/// The `Digest name=value, name="quoted"` list shared by challenges and credentials (RFC 7616 section 3.3).
enum DigestParameters {
    /// Parameter names lower-cased; bounded in count and length.
    static func parse(_ value: String) throws(DigestError) -> [String: String] {
        let trimmed = value.drop(while: { $0 == " " || $0 == "\t" })
        guard trimmed.prefix(6).lowercased() == "digest", trimmed.count > 7 else { throw DigestError.notDigest }
        var fields: [String: String] = [:]
        var rest = Substring(trimmed.dropFirst(6))
        while true {
            rest = rest.drop(while: { $0 == " " || $0 == "\t" || $0 == "," })
            guard !rest.isEmpty else { break }
            guard let equals = rest.firstIndex(of: "=") else { throw DigestError.malformed("parameter without value") }
            let name = rest[rest.startIndex..<equals].trimmingCharacters(in: " \t").lowercased()
            rest = rest[rest.index(after: equals)...].drop(while: { $0 == " " || $0 == "\t" })
            var parameterValue = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var closed = false
                var escaped = false
                while let character = rest.first {
                    rest = rest.dropFirst()
                    if escaped {
                        parameterValue.append(character)
                        escaped = false
                    } else if character == "\\" {
                        escaped = true
                    } else if character == "\"" {
                        closed = true
                        break
                    } else {
                        parameterValue.append(character)
                    }
                }
                guard closed else { throw DigestError.malformed("unterminated quoted value for \(name)") }
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                parameterValue = rest[rest.startIndex..<end].trimmingCharacters(in: " \t")
                rest = rest[end...]
            }
            guard fields.count < 32, parameterValue.utf8.count <= 1024 else { throw DigestError.malformed("too many or too long parameters") }
            fields[name] = parameterValue
        }
        return fields
    }
}

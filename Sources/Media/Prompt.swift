import Foundation

/// A recorded prompt in both G.711 laws, loaded from the module's resources.
public struct Prompt: Sendable, Equatable {
    public let name: String
    let ulaw: [UInt8]
    let alaw: [UInt8]

    /// The prompts this build ships (see Prompts/README.md).
    public static let enterPIN = Prompt(named: "enter-pin")
    public static let pinInvalid = Prompt(named: "pin-invalid")
    public static let goodbye = Prompt(named: "goodbye")

    init(named name: String, in subdirectory: String = "Prompts") {
        func load(_ law: String) -> [UInt8] {
            guard let url = Bundle.module.url(forResource: name, withExtension: law, subdirectory: subdirectory),
                  let data = try? Data(contentsOf: url) else { return [] }
            return Array(data)
        }
        self.name = name
        ulaw = load("ulaw")
        alaw = load("alaw")
    }

    init(name: String, ulaw: [UInt8], alaw: [UInt8]) {
        self.name = name
        self.ulaw = ulaw
        self.alaw = alaw
    }

    /// This prompt, then `next` (e.g. "That PIN is not valid." then "Please enter your PIN...").
    public func followed(by next: Prompt) -> Prompt {
        Prompt(name: "\(name)+\(next.name)", ulaw: ulaw + next.ulaw, alaw: alaw + next.alaw)
    }

    /// The samples for RTP payload type 0 (PCMU) or 8 (PCMA).
    func samples(payloadType: UInt8) -> [UInt8] { payloadType == 8 ? alaw : ulaw }

    /// Seconds of audio.
    public var duration: Double { Double(ulaw.count) / 8_000 }
}

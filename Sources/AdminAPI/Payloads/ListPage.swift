/// Which part of a long list to answer: the items containing `search`, from `offset`, at most `limit`.
public struct ListPage: Sendable, Equatable {
    public var search: String?
    public var offset: Int
    public var limit: Int?

    /// The page of `items` whose `text` contains the search (lowercased), with how many matched in all.
    public func apply<Item: Codable & Sendable>(_ items: [Item], text: (Item) -> [String]) -> ListResponse<Item> {
        let matching = search.map { search in items.filter { text($0).contains { $0.lowercased().contains(search) } } } ?? items
        guard limit != nil || offset > 0 else { return ListResponse(items: matching) }
        let page = matching.dropFirst(offset).prefix(limit ?? matching.count)
        return ListResponse(items: Array(page), total: matching.count)
    }
}

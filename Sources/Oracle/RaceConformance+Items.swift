import PageTable

/// What the race check needs of an item: its range, and its young and dirty apart from the rest.
protocol RacedItem: Equatable, CustomStringConvertible {
    var itemRange: AddressRange { get }
    var youngDirty: LeafAttributes { get }
    var withoutYoungDirty: Self { get }
}

extension Entry {
    fileprivate var youngDirty: LeafAttributes {
        if case .leaf(_, let attributes) = self { attributes.intersection([.young, .dirty]) } else { [] }
    }
    fileprivate var withoutYoungDirty: Entry {
        if case .leaf(let pfn, let attributes) = self { .leaf(pfn: pfn, attributes: attributes.subtracting([.young, .dirty])) } else { self }
    }
}

extension EntryWalkItem: RacedItem {
    var itemRange: AddressRange { range }
    var youngDirty: LeafAttributes { entry.youngDirty }
    var withoutYoungDirty: EntryWalkItem {
        var copy = self
        copy.entry = entry.withoutYoungDirty
        return copy
    }
}

extension FolioRun: RacedItem {
    var itemRange: AddressRange { range }
    var youngDirty: LeafAttributes { attributes.intersection([.young, .dirty]) }
    var withoutYoungDirty: FolioRun {
        var copy = self
        copy.attributes.subtract([.young, .dirty])
        return copy
    }
}

extension LookupResult: RacedItem {
    var itemRange: AddressRange { AddressRange(start: address, end: address + skip) }
    var youngDirty: LeafAttributes { entry.youngDirty }
    var withoutYoungDirty: LookupResult {
        var copy = self
        copy.entry = entry.withoutYoungDirty
        return copy
    }
}

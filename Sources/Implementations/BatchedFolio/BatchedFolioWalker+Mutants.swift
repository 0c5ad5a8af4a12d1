import PageTable

extension BatchedFolioWalker {
    /// The mutant's VMA loop: it skips gaps, but walks each stretch of adjacent VMAs as one range,
    /// so a batch runs on past a VMA's end into the next VMA when the next pages are the folio's.
    func walkFoliosAcrossVMAEnds<R: TableReader>(_ reader: R, range: AddressRange, flags: FolioWalkFlags,
                                                 _ visit: (FolioRun) -> Void) throws(PageTableError) {
        guard let vmas = reader.vmas else { return try walkFoliosBody(reader, range: range, flags: flags, visit) }
        var stretch: AddressRange?
        var stretches: [AddressRange] = []
        vmas.forEachPiece(in: try range.validated(for: reader.format)) { piece, vma in
            guard vma != nil else { return }
            if let current = stretch, current.end == piece.start {
                stretch!.end = piece.end
            } else {
                if let current = stretch { stretches.append(current) }
                stretch = piece
            }
        }
        if let current = stretch { stretches.append(current) }
        for piece in stretches { try walkFoliosBody(reader, range: piece, flags: flags, visit) }
    }
}

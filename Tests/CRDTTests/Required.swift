import Testing

/// `#require` for a value from a mutating call, which the macro cannot wrap.
func required<T>(_ value: T?, sourceLocation: SourceLocation = #_sourceLocation) throws -> T {
    try #require(value, sourceLocation: sourceLocation)
}

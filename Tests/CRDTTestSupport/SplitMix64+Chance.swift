import Synthetic

extension SplitMix64 {
    /// True with probability `percent`/100.
    public mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &self) < percent }
}

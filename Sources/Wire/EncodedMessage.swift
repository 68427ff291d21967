/// A message with its frame already built. A sender that must encode a
/// batch to choose between Ops and CompressedOps (`Message.ops`) keeps the
/// frame it chose, so the batch is neither encoded nor compressed again
/// on its way to the connection.
public struct EncodedMessage: Hashable, Sendable {
    public let message: Message
    /// The frame `message` travels in: `message.frame()`, except that a
    /// CompressedOps frame may hold any DEFLATE stream of the batch.
    public let frame: Frame

    /// Builds the frame of `message`.
    public init(_ message: Message) throws(WireError) {
        self.init(message: message, frame: try message.frame())
    }

    init(message: Message, frame: Frame) {
        self.message = message
        self.frame = frame
    }
}

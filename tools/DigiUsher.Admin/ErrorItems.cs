namespace DigiUsher.Admin;

/// <summary>
/// One problem in an _error queue: every message stating the same fact (its type and idempotency key),
/// however many times it was announced. A delivery whose first announcement ended in <c>_error</c> is
/// announced again by the poller (a new message, the same key); if that one fails too, the operator
/// still has one problem to look at, not two.
/// </summary>
/// <param name="Key">The idempotency key (the message id when a message has none).</param>
/// <param name="MessageType">The message type.</param>
/// <param name="Messages">How many messages of the queue state it.</param>
/// <param name="Latest">The most recently faulted of them (its reason is the current one).</param>
/// <param name="Settled">The fact was dealt with since (the delivery was imported or superseded): the messages are stale.</param>
public sealed record ErrorItem(string Key, string? MessageType, int Messages, FaultedMessage Latest, bool Settled);

/// <summary>Groups an _error queue's messages into problems (pure: the caller reads the queue and what is settled).</summary>
public static class ErrorItems
{
    /// <param name="messages">The queue's messages, as read.</param>
    /// <param name="isSettled">Whether a message's fact was dealt with since (e.g. its delivery is imported).</param>
    public static IReadOnlyList<ErrorItem> Collapse(IEnumerable<FaultedMessage> messages, Func<FaultedMessage, bool> isSettled) =>
        [.. messages
            .GroupBy(m => (m.MessageType, Key: m.IdempotencyKey ?? m.MessageId ?? string.Empty))
            .Select(g =>
            {
                var latest = g.OrderByDescending(m => m.FaultedAt ?? DateTimeOffset.MinValue).First();
                return new ErrorItem(g.Key.Key, g.Key.MessageType, g.Count(), latest, isSettled(latest));
            })
            .OrderBy(i => i.Settled)
            .ThenByDescending(i => i.Latest.FaultedAt ?? DateTimeOffset.MinValue)];
}

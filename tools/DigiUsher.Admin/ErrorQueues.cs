namespace DigiUsher.Admin;

/// <summary>
/// MassTransit moves a message its consumer gave up on to <c>&lt;queue&gt;_error</c>; replaying it sends
/// it back to <c>&lt;queue&gt;</c>. Only <c>_error</c> queues are listed, replayed or purged: the tool
/// never touches a live queue's messages.
/// </summary>
public static class ErrorQueues
{
    public const string Suffix = "_error";

    public static bool IsErrorQueue(string queue) => queue.EndsWith(Suffix, StringComparison.Ordinal) && queue.Length > Suffix.Length;

    /// <summary>The queue a message of <paramref name="errorQueue"/> came from.</summary>
    public static string SourceOf(string errorQueue) => IsErrorQueue(errorQueue)
        ? errorQueue[..^Suffix.Length]
        : throw new ArgumentException($"{errorQueue} is not an _error queue; only _error queues are listed, replayed or purged.");

    /// <summary>Accepts a queue named with or without its <c>_error</c> suffix.</summary>
    public static string Named(string queue) => IsErrorQueue(queue) ? queue : queue + Suffix;
}

using DigiUsher.ServiceDefaults.Data;
using static DigiUsher.CurPoller.Lifecycle.DeliveryEvent;
using static DigiUsher.CurPoller.Lifecycle.DeliveryStatus;

namespace DigiUsher.CurPoller.Lifecycle;

/// <summary>A delivery as CurPoller announced it (column <c>deliveries.status</c>, mirrored by its check constraint).</summary>
public enum DeliveryStatus
{
    /// <summary>Announced (<c>ReportAvailable</c>) and not answered yet.</summary>
    Published,

    /// <summary>CurParser imported it (<c>ReportImported</c>); never announced again.</summary>
    Imported,

    /// <summary>Its import failed transiently; announced again once <see cref="DeliveryState.NextRetryAt"/> has passed.</summary>
    FailedTransient,

    /// <summary>It cannot be imported (a bad file, or the poller rejected it unread); not announced again.</summary>
    FailedPermanent,

    /// <summary>It failed transiently on every allowed attempt; not announced again.</summary>
    Abandoned,
}

/// <summary>What moves a delivery the poller announced.</summary>
public enum DeliveryEvent
{
    /// <summary>The poller announces it again after a transient failure, once the backoff has passed.</summary>
    Retry,

    /// <summary>The poller announces it again when nobody answered for <c>UnansweredRepublishAfter</c> (its message was lost).</summary>
    Reannounce,

    /// <summary>CurParser reports it imported.</summary>
    Import,

    /// <summary>CurParser reports a transient failure and attempts remain.</summary>
    FailTransiently,

    /// <summary>CurParser reports a permanent failure.</summary>
    FailPermanently,

    /// <summary>CurParser reports a transient failure of the last allowed attempt.</summary>
    GiveUp,
}

/// <summary>What CurPoller remembers of a delivery it announced.</summary>
/// <param name="Status">Where the delivery is in <see cref="DeliveryLifecycle"/>.</param>
/// <param name="Attempts">Announcements made (0 for a delivery rejected unread).</param>
/// <param name="NextRetryAt">When a transiently failed delivery is due again.</param>
/// <param name="LastPublishedAt">When it was last announced (or rejected).</param>
/// <param name="LastError">The last failure's reason, until it is imported.</param>
public sealed record DeliveryState(DeliveryStatus Status, int Attempts, DateTime? NextRetryAt, DateTime LastPublishedAt, string? LastError = null);

/// <summary>When and how often a delivery is announced again (from <see cref="CurPollerOptions"/>).</summary>
/// <param name="Backoff">Wait before the first re-announcement after a transient failure; doubles per attempt.</param>
/// <param name="BackoffMax">Longest wait.</param>
/// <param name="MaxAttempts">Announcements of one delivery before giving up.</param>
/// <param name="UnansweredAfter">An announcement not answered this long is made again.</param>
public sealed record RetryPolicy(TimeSpan Backoff, TimeSpan BackoffMax, int MaxAttempts, TimeSpan UnansweredAfter)
{
    /// <summary>The wait after the transient failure of attempt <paramref name="attempts"/>: exponential, capped.</summary>
    public TimeSpan BackoffAfter(int attempts)
    {
        var doubled = Backoff.Ticks * Math.Pow(2, Math.Max(attempts - 1, 0));
        return doubled >= BackoffMax.Ticks ? BackoffMax : TimeSpan.FromTicks((long)doubled);
    }
}

/// <summary>
/// The lifecycle of a delivery in CurPoller: the poller announces it (or rejects it unread), CurParser's
/// answers move it, and the poller announces it again while it is due. Pure: the poller and the
/// consumers decide here, and <c>PollerStore</c> writes the result with a compare-and-set on what it read.
/// </summary>
public static class DeliveryLifecycle
{
    public static readonly StateMachine<DeliveryStatus, DeliveryEvent> Machine = new(
        (FailedTransient, Retry, Published),
        (Published, Reannounce, Published),
        (Published, Import, Imported),
        (FailedTransient, Import, Imported),
        (FailedPermanent, Import, Imported),
        (Abandoned, Import, Imported),
        (Imported, Import, Imported),
        (Published, FailTransiently, FailedTransient),
        (FailedTransient, FailTransiently, FailedTransient),
        (FailedPermanent, FailTransiently, FailedTransient),
        (Abandoned, FailTransiently, FailedTransient),
        (Published, FailPermanently, FailedPermanent),
        (FailedTransient, FailPermanently, FailedPermanent),
        (FailedPermanent, FailPermanently, FailedPermanent),
        (Abandoned, FailPermanently, FailedPermanent),
        (Published, GiveUp, Abandoned),
        (FailedTransient, GiveUp, Abandoned),
        (FailedPermanent, GiveUp, Abandoned),
        (Abandoned, GiveUp, Abandoned));

    /// <summary>The statuses of a delivery still to be imported: announced and unanswered, or due for a retry.</summary>
    public static readonly IReadOnlyList<DeliveryStatus> Pending = [Published, FailedTransient];

    /// <summary>A delivery found for the first time, announced now.</summary>
    public static DeliveryState Announced(DateTime now) => new(Published, 1, null, now);

    /// <summary>A delivery found for the first time that cannot be imported: recorded, never announced.</summary>
    public static DeliveryState Rejected(DateTime now, string reason) => new(FailedPermanent, 0, null, now, reason);

    /// <summary>Whether the delivery is to be announced again now, and why; null when it is not due.</summary>
    public static DeliveryEvent? DueAnnouncement(DeliveryState state, RetryPolicy policy, DateTime now) => state switch
    {
        { Status: FailedTransient } when state.NextRetryAt is null || state.NextRetryAt <= now => Retry,
        { Status: Published } when state.Attempts < policy.MaxAttempts && state.LastPublishedAt <= now - policy.UnansweredAfter => Reannounce,
        _ => null,
    };

    /// <summary>The delivery announced once more on <paramref name="on"/> (<see cref="Retry"/> or <see cref="Reannounce"/>); null when refused.</summary>
    public static DeliveryState? OnAnnouncedAgain(DeliveryState state, DeliveryEvent on, DateTime now) =>
        on is Retry or Reannounce && Machine.Next(state.Status, on) is { } next
            ? state with { Status = next, Attempts = state.Attempts + 1, NextRetryAt = null, LastPublishedAt = now }
            : null;

    /// <summary>The delivery after CurParser reported it imported; null when refused.</summary>
    public static DeliveryState? OnImported(DeliveryState state) =>
        Machine.Next(state.Status, Import) is { } next ? state with { Status = next, NextRetryAt = null, LastError = null } : null;

    /// <summary>
    /// The delivery after CurParser reported a failure: a permanent one closes it, a transient one
    /// schedules a retry after the backoff, or gives up after the last allowed attempt. Null when refused
    /// (an imported delivery stays imported).
    /// </summary>
    public static DeliveryState? OnFailed(DeliveryState state, bool transient, string reason, RetryPolicy policy, DateTime now)
    {
        var on = !transient ? FailPermanently : state.Attempts >= policy.MaxAttempts ? GiveUp : FailTransiently;
        return Machine.Next(state.Status, on) is { } next
            ? state with { Status = next, NextRetryAt = on == FailTransiently ? now + policy.BackoffAfter(state.Attempts) : null, LastError = reason }
            : null;
    }
}

using DigiUsher.ServiceDefaults.Data;
using static DigiUsher.CurParser.Lifecycle.DeliveryEvent;
using static DigiUsher.CurParser.Lifecycle.DeliveryStatus;

namespace DigiUsher.CurParser.Lifecycle;

/// <summary>A delivery as CurParser holds it (column <c>deliveries.status</c>, mirrored by its check constraint).</summary>
public enum DeliveryStatus
{
    /// <summary>Announced and not done: an attempt may take its lease and import it.</summary>
    Pending,

    /// <summary>Its import is (or was made) current; a redelivered announcement is acknowledged.</summary>
    Imported,

    /// <summary>A newer delivery of the period is current; it is never imported.</summary>
    Superseded,

    /// <summary>Its files cannot be imported (bad file, no credentials, S3 refused, not reconciled); closed until a newer delivery.</summary>
    Failed,
}

/// <summary>What moves a delivery.</summary>
public enum DeliveryEvent
{
    /// <summary>An attempt takes the lease: the delivery is free, its lease ran out, or the lease is the attempt's own.</summary>
    Lease,

    /// <summary>The attempt failed transiently: it gives the lease back and the delivery waits for the message's retry or the poller's re-announcement.</summary>
    Retry,

    /// <summary>The attempt failed for good.</summary>
    Fail,

    /// <summary>A newer delivery of the period is current (seen when claiming, or in the swap).</summary>
    Supersede,

    /// <summary>The attempt holding the lease made its import current (the swap).</summary>
    Complete,

    /// <summary>An operator's re-import announced the delivery again: a done delivery is pending once more (once per request).</summary>
    Reopen,
}

/// <summary>
/// The lifecycle of a delivery in CurParser. A <c>ReportAvailable</c> seen for the first time
/// announces it (<see cref="Announced"/>); only a pending delivery moves, and every move but a lease
/// ends it. Who may move it is the lease's business (<see cref="DeliveryLease"/>), enforced by the SQL.
/// </summary>
public static class DeliveryLifecycle
{
    /// <summary>The state of a delivery seen for the first time.</summary>
    public const DeliveryStatus Announced = Pending;

    public static readonly StateMachine<DeliveryStatus, DeliveryEvent> Machine = new(
        (Pending, Lease, Pending),
        (Pending, Retry, Pending),
        (Pending, Fail, Failed),
        (Pending, Supersede, Superseded),
        (Pending, Complete, Imported),
        (Imported, Reopen, Pending),
        (Failed, Reopen, Pending));
}

/// <summary>
/// An attempt's hold on a delivery until <paramref name="ExpiresAt"/>: two parser replicas never
/// import one delivery at once. The holder renews it while importing and gives it back when done.
/// </summary>
/// <param name="Owner">The attempt (replica and a fresh id).</param>
/// <param name="ExpiresAt">When another attempt may take it over.</param>
public sealed record DeliveryLease(string Owner, DateTimeOffset ExpiresAt)
{
    /// <summary>Whether <paramref name="owner"/> may take the lease now (the SQL of the claim says the same).</summary>
    public static bool CanTake(DeliveryLease? held, string owner, DateTimeOffset now) =>
        held is null || held.ExpiresAt < now || held.Owner == owner;

    /// <summary>Whether <paramref name="owner"/> may end the attempt (renew, release, record its outcome): it holds the lease, or nobody does.</summary>
    public static bool IsFreeOrHeldBy(DeliveryLease? held, string owner) => held is null || held.Owner == owner;
}

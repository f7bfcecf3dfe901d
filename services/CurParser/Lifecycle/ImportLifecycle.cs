using DigiUsher.ServiceDefaults.Data;
using static DigiUsher.CurParser.Lifecycle.ImportEvent;
using static DigiUsher.CurParser.Lifecycle.ImportStatus;

namespace DigiUsher.CurParser.Lifecycle;

/// <summary>One attempt to import a delivery (column <c>imports.status</c>, mirrored by its check constraint).</summary>
public enum ImportStatus
{
    /// <summary>Streaming and COPYing into its own partitions.</summary>
    Loading,

    /// <summary>What readers see for its billing period.</summary>
    Current,

    /// <summary>Was current; a newer import of the period replaced it (its partitions are dropped).</summary>
    Replaced,

    /// <summary>Loaded, but a newer delivery of the period was current by the swap.</summary>
    Superseded,

    /// <summary>Failed (its reason is recorded), or abandoned by an attempt that ended without an outcome.</summary>
    Failed,

    /// <summary>Stopped by shutdown; the announcement returns to the queue.</summary>
    Cancelled,
}

/// <summary>What moves an import.</summary>
public enum ImportEvent
{
    /// <summary>The swap made it current.</summary>
    MakeCurrent,

    /// <summary>The swap of a newer import of the period.</summary>
    Replace,

    /// <summary>A newer delivery of the period was current by the swap.</summary>
    Supersede,

    /// <summary>The attempt failed (its <c>ImportFailure</c> is recorded).</summary>
    Fail,

    /// <summary>
    /// A later attempt holding the delivery's lease found it still loading: its attempt ended without
    /// recording an outcome (replica killed, database lost past every retry).
    /// </summary>
    Abandon,

    /// <summary>Shutdown stopped the attempt.</summary>
    Cancel,
}

/// <summary>The lifecycle of an import attempt: it starts <see cref="Started"/>, ends once, and a current one is later replaced.</summary>
public static class ImportLifecycle
{
    /// <summary>The state an attempt starts in.</summary>
    public const ImportStatus Started = Loading;

    public static readonly StateMachine<ImportStatus, ImportEvent> Machine = new(
        (Loading, MakeCurrent, Current),
        (Current, Replace, Replaced),
        (Loading, Supersede, Superseded),
        (Loading, Fail, Failed),
        (Loading, Abandon, Failed),
        (Loading, Cancel, Cancelled));
}

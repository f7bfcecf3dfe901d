namespace DigiUsher.Query.Imports;

/// <summary>
/// What became of pulling an import's daily rollup (column <c>cost_loads.status</c>, mirrored by its
/// check constraint). An import without a row is <see cref="Pending"/>; <see cref="Loaded"/> is final.
/// </summary>
public enum CostLoadStatus
{
    /// <summary>Not pulled yet.</summary>
    Pending,

    /// <summary>Pulled, checked and current.</summary>
    Loaded,

    /// <summary>The pulled sums differ from the event's totals; the previous month stays.</summary>
    Mismatch,

    /// <summary>CurParser replaced the import before it was pulled; a newer one follows.</summary>
    Superseded,

    /// <summary>CurParser does not know the import, or served lines that are not valid.</summary>
    Failed,
}

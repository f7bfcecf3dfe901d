namespace DigiUsher.ResourceDiscovery.Data;

/// <summary>Where a discovery run is (column <c>runs.status</c>, mirrored by its check constraint and the one-running-run index).</summary>
public enum RunStatus
{
    /// <summary>Scanning; at most one run of a data source is (the <c>runs_one_running</c> index).</summary>
    Running,

    /// <summary>Every scanner ended; the inventory was replaced and <c>DiscoveryCompleted</c> published.</summary>
    Completed,

    /// <summary>The run failed, its process died mid-run, or its data source was removed meanwhile.</summary>
    Failed,
}

namespace DigiUsher.CurPoller.Lifecycle;

/// <summary>How the last poll of a data source ended (column <c>data_sources.last_poll_status</c>, mirrored by its check constraint).</summary>
public enum PollStatus
{
    /// <summary>The report was read; deliveries found were announced (some periods may have been skipped, with a reason).</summary>
    Completed,

    /// <summary>The poll could not read the report (credentials, bucket, timeout, database); the reason is kept.</summary>
    Failed,
}

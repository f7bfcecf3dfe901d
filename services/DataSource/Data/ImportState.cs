namespace DigiUsher.DataSource.Data;

/// <summary>
/// Where a delivery's import is, as DataSource's status read model keeps it from CurParser's events (column
/// <c>import_status.state</c>, mirrored by its check constraint; the API writes the same names).
/// </summary>
public enum ImportState
{
    /// <summary>Loading (<c>ReportImportStarted</c>, or a progress snapshot that came first); a failed import starts again.</summary>
    Started,

    /// <summary>Imported (<c>ReportImported</c>): final for the delivery, a later failure of it changes nothing.</summary>
    Imported,

    /// <summary>Failed (<c>ReportImportFailed</c>), transiently (retried) or for good.</summary>
    Failed,
}

using MassTransit;

namespace DigiUsher.Contracts;

/// <summary>An import failed; the previous import of the period stays current.</summary>
/// <param name="OrganizationId">Tenant.</param>
/// <param name="DataSourceId">The data source.</param>
/// <param name="IdempotencyKey">Key of the import.</param>
/// <param name="BillingPeriod">The month, <c>yyyy-MM</c>.</param>
/// <param name="DeliveryId">The delivery.</param>
/// <param name="ImportId">The failed import, if one was started.</param>
/// <param name="File">The S3 key being read, where known.</param>
/// <param name="Row">The 1-based data row, where known.</param>
/// <param name="Reason">What is wrong, in words a person can act on.</param>
/// <param name="Transient">True when a retry may succeed (network, throttling, database); false when the file is bad.</param>
/// <param name="FailedAt">When.</param>
[MessageUrn("digiusher:curparser:report-import-failed:v1")]
public sealed record ReportImportFailed(
    Guid OrganizationId,
    Guid DataSourceId,
    string IdempotencyKey,
    string BillingPeriod,
    string DeliveryId,
    Guid? ImportId,
    string? File,
    long? Row,
    string Reason,
    bool Transient,
    DateTimeOffset FailedAt) : IIntegrationMessage;

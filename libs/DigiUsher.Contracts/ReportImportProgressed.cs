using MassTransit;

namespace DigiUsher.Contracts;

/// <summary>
/// An import's progress while it loads, sent every few seconds (a snapshot, not a fact: a lost one is
/// replaced by the next, so it is published directly rather than through the outbox).
/// </summary>
/// <param name="OrganizationId">Tenant.</param>
/// <param name="DataSourceId">The data source.</param>
/// <param name="IdempotencyKey">The delivery's key (that of its <c>ReportAvailable</c>).</param>
/// <param name="BillingPeriod">The month, <c>yyyy-MM</c>.</param>
/// <param name="DeliveryId">The delivery.</param>
/// <param name="ImportId">The import loading it.</param>
/// <param name="FilesDone">Files of the delivery read to their end.</param>
/// <param name="Files">Files of the delivery.</param>
/// <param name="Rows">Rows loaded so far.</param>
/// <param name="RowsPerSecond">Rows loaded per second since the import started.</param>
/// <param name="StartedAt">When the import started.</param>
/// <param name="ExpectedEndAt">When loading is expected to end, from the share of the delivery's bytes read so far; null before the first byte.</param>
/// <param name="Replica">The parser replica holding the delivery's lease (the lease holder's name: host, process, instance).</param>
/// <param name="At">When this snapshot was taken; a newer one replaces an older one.</param>
[MessageUrn("digiusher:curparser:report-import-progressed:v1")]
public sealed record ReportImportProgressed(
    Guid OrganizationId,
    Guid DataSourceId,
    string IdempotencyKey,
    string BillingPeriod,
    string DeliveryId,
    Guid ImportId,
    int FilesDone,
    int Files,
    long Rows,
    double RowsPerSecond,
    DateTimeOffset StartedAt,
    DateTimeOffset? ExpectedEndAt,
    string Replica,
    DateTimeOffset At) : IIntegrationMessage;

using MassTransit;

namespace DigiUsher.Contracts;

/// <summary>A poll of a data source's bucket finished.</summary>
/// <param name="OrganizationId">Tenant.</param>
/// <param name="DataSourceId">The data source.</param>
/// <param name="IdempotencyKey">Key of the poll.</param>
/// <param name="ReportName">The report found.</param>
/// <param name="BillingPeriods">How many billing periods were looked at.</param>
/// <param name="DeliveriesPublished">How many new deliveries were published.</param>
/// <param name="LatestDeliveryId">The newest delivery seen, if any.</param>
/// <param name="CompletedAt">When the poll ended.</param>
[MessageUrn("digiusher:curpoller:report-poll-completed:v1")]
public sealed record ReportPollCompleted(
    Guid OrganizationId,
    Guid DataSourceId,
    string IdempotencyKey,
    string? ReportName,
    int BillingPeriods,
    int DeliveriesPublished,
    string? LatestDeliveryId,
    DateTimeOffset CompletedAt) : IIntegrationMessage;

using MassTransit;

namespace DigiUsher.Contracts;

/// <summary>A data source was deleted; stop polling and discovering it.</summary>
/// <param name="OrganizationId">Tenant.</param>
/// <param name="DataSourceId">The data source.</param>
/// <param name="IdempotencyKey">Deterministic key of this change.</param>
/// <param name="OccurredAt">When the change was committed.</param>
[MessageUrn("digiusher:datasource:data-source-removed:v1")]
public sealed record DataSourceRemoved(
    Guid OrganizationId,
    Guid DataSourceId,
    string IdempotencyKey,
    DateTimeOffset OccurredAt) : IIntegrationMessage;

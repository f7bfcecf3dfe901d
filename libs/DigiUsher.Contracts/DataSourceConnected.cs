using MassTransit;

namespace DigiUsher.Contracts;

/// <summary>An AWS root data source was created and validated; pollers and discovery start on it.</summary>
/// <param name="OrganizationId">Tenant.</param>
/// <param name="DataSourceId">The data source.</param>
/// <param name="IdempotencyKey">Deterministic key of this change.</param>
/// <param name="Settings">Where its reports are and what it may discover.</param>
/// <param name="OccurredAt">When the change was committed.</param>
[MessageUrn("digiusher:datasource:data-source-connected:v1")]
public sealed record DataSourceConnected(
    Guid OrganizationId,
    Guid DataSourceId,
    string IdempotencyKey,
    DataSourceSettings Settings,
    DateTimeOffset OccurredAt) : IIntegrationMessage;

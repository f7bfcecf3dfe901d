using MassTransit;

namespace DigiUsher.Contracts;

/// <summary>A data source was renamed, its keys rotated or its bucket/prefix changed.</summary>
/// <param name="OrganizationId">Tenant.</param>
/// <param name="DataSourceId">The data source.</param>
/// <param name="IdempotencyKey">Deterministic key of this change.</param>
/// <param name="Settings">The settings after the change.</param>
/// <param name="CredentialsRotated">True when the access keys or role changed (drop cached credentials).</param>
/// <param name="OccurredAt">When the change was committed.</param>
[MessageUrn("digiusher:datasource:data-source-updated:v1")]
public sealed record DataSourceUpdated(
    Guid OrganizationId,
    Guid DataSourceId,
    string IdempotencyKey,
    DataSourceSettings Settings,
    bool CredentialsRotated,
    DateTimeOffset OccurredAt) : IIntegrationMessage;

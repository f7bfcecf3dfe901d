using MassTransit;

namespace DigiUsher.Contracts;

/// <summary>A user asked for the data source's report bucket to be polled now.</summary>
/// <param name="OrganizationId">Tenant.</param>
/// <param name="DataSourceId">The data source.</param>
/// <param name="IdempotencyKey">Deterministic key of this request.</param>
/// <param name="RequestedAt">When it was asked.</param>
[MessageUrn("digiusher:datasource:poll-requested:v1")]
public sealed record PollRequested(
    Guid OrganizationId,
    Guid DataSourceId,
    string IdempotencyKey,
    DateTimeOffset RequestedAt) : IIntegrationMessage;

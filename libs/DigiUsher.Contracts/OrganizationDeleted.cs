using MassTransit;

namespace DigiUsher.Contracts;

/// <summary>
/// An organization was deleted by its admin: every service deletes what it holds of the organization
/// outside its data sources (owner rules, settings). Each of its data sources was announced removed
/// (<see cref="DataSourceRemoved"/>) in the same transaction, which purges their data everywhere.
/// </summary>
/// <param name="OrganizationId">The organization.</param>
/// <param name="IdempotencyKey">Deterministic key of this deletion.</param>
/// <param name="OccurredAt">When the deletion was committed.</param>
[MessageUrn("digiusher:datasource:organization-deleted:v1")]
public sealed record OrganizationDeleted(
    Guid OrganizationId,
    string IdempotencyKey,
    DateTimeOffset OccurredAt);

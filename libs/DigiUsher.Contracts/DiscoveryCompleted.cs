using MassTransit;

namespace DigiUsher.Contracts;

/// <summary>
/// A discovery run finished. Resources of a covered (kind, region) absent from the run are gone;
/// kinds in <paramref name="Skipped"/> were not looked at and keep their previous state.
/// </summary>
/// <param name="OrganizationId">Tenant.</param>
/// <param name="DataSourceId">The data source.</param>
/// <param name="IdempotencyKey">The run id.</param>
/// <param name="RunId">The run.</param>
/// <param name="AccountId">The AWS account.</param>
/// <param name="Counts">Resources found per kind.</param>
/// <param name="Covered">
/// What the run fully listed, as <c>kind@region</c> in the data source's own account and <c>kind@region@accountId</c> in a
/// member account discovered through the root's member account role (whose resources arrive in chunks of their own account).
/// </param>
/// <param name="Skipped">What was skipped and why (access denied, opt-in region).</param>
/// <param name="StartedAt">Run start.</param>
/// <param name="CompletedAt">Run end.</param>
[MessageUrn("digiusher:discovery:discovery-completed:v1")]
public sealed record DiscoveryCompleted(
    Guid OrganizationId,
    Guid DataSourceId,
    string IdempotencyKey,
    Guid RunId,
    string AccountId,
    IReadOnlyDictionary<string, int> Counts,
    IReadOnlyList<string> Covered,
    IReadOnlyList<DiscoverySkip> Skipped,
    DateTimeOffset StartedAt,
    DateTimeOffset CompletedAt) : IIntegrationMessage;

/// <summary>A part of discovery that was skipped.</summary>
/// <param name="Kind">Resource kind (or <c>region</c>).</param>
/// <param name="Region">Region, or null for all.</param>
/// <param name="Reason">Why, e.g. <c>AccessDenied on iam:ListUsers</c>.</param>
public sealed record DiscoverySkip(string Kind, string? Region, string Reason);

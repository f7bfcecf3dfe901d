using MassTransit;

namespace DigiUsher.Contracts;

/// <summary>A poll failed: access denied, bucket missing, no report under the prefix.</summary>
/// <param name="OrganizationId">Tenant.</param>
/// <param name="DataSourceId">The data source.</param>
/// <param name="IdempotencyKey">Key of the poll.</param>
/// <param name="Reason">What went wrong, in words a person can act on.</param>
/// <param name="DeniedAction">The AWS action that was denied (e.g. <c>s3:ListBucket</c>), if that was the cause.</param>
/// <param name="FailedAt">When.</param>
[MessageUrn("digiusher:curpoller:report-poll-failed:v1")]
public sealed record ReportPollFailed(
    Guid OrganizationId,
    Guid DataSourceId,
    string IdempotencyKey,
    string Reason,
    string? DeniedAction,
    DateTimeOffset FailedAt) : IIntegrationMessage;

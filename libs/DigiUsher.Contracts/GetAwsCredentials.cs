using MassTransit;

namespace DigiUsher.Contracts;

/// <summary>
/// Request to DataSource for the credentials of a data source. Answered with
/// <see cref="AwsCredentialsIssued"/> or <see cref="AwsCredentialsUnavailable"/>.
/// </summary>
/// <param name="OrganizationId">Tenant.</param>
/// <param name="DataSourceId">The data source.</param>
/// <param name="IdempotencyKey">Key of this request.</param>
/// <param name="Purpose">Who asks and why (<c>cur-poller</c>, <c>cur-parser</c>, <c>discovery</c>), for the audit log.</param>
/// <param name="AccountId">
/// Null: the data source's own credentials. A member account id: credentials in that account of the root data
/// source's AWS Organization, by the root's member account role (its <c>MemberAccountRoleName</c>), which
/// DataSource assumes itself, so the asker never holds the root's credentials.
/// </param>
[MessageUrn("digiusher:datasource:get-aws-credentials:v1")]
public sealed record GetAwsCredentials(
    Guid OrganizationId,
    Guid DataSourceId,
    string IdempotencyKey,
    string Purpose,
    string? AccountId = null) : IIntegrationMessage;

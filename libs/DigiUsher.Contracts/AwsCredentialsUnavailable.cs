using MassTransit;

namespace DigiUsher.Contracts;

/// <summary>The data source does not exist (any more) or its role could not be assumed.</summary>
/// <param name="OrganizationId">Tenant.</param>
/// <param name="DataSourceId">The data source.</param>
/// <param name="IdempotencyKey">Key of the request answered.</param>
/// <param name="Reason">Why, in words a person can act on.</param>
[MessageUrn("digiusher:datasource:aws-credentials-unavailable:v1")]
public sealed record AwsCredentialsUnavailable(
    Guid OrganizationId,
    Guid DataSourceId,
    string IdempotencyKey,
    string Reason) : IIntegrationMessage;

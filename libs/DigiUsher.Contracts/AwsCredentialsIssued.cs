using MassTransit;

namespace DigiUsher.Contracts;

/// <summary>
/// Credentials for a data source. The secret parts are sealed (AES-256-GCM with the services'
/// shared transport key) so that no secret ever travels or rests in RabbitMQ in clear text.
/// </summary>
/// <param name="OrganizationId">Tenant.</param>
/// <param name="DataSourceId">The data source.</param>
/// <param name="IdempotencyKey">Key of the request answered.</param>
/// <param name="AccessKeyId">The access key id (not a secret).</param>
/// <param name="SealedSecretAccessKey">The secret access key, sealed.</param>
/// <param name="SealedSessionToken">The session token of temporary (assumed-role) credentials, sealed.</param>
/// <param name="Region">The data source's home region.</param>
/// <param name="ExpiresAt">When temporary credentials expire; null for long-term keys.</param>
/// <param name="QuotaOverrides">
/// The organization's quota overrides in force (null: none, or a DataSource from before overrides): the
/// services that ask for credentials right before the work a quota bounds (a poll, an import) learn
/// them here, from the service that owns them, with no copy of their own to keep in step.
/// </param>
[MessageUrn("digiusher:datasource:aws-credentials-issued:v1")]
public sealed record AwsCredentialsIssued(
    Guid OrganizationId,
    Guid DataSourceId,
    string IdempotencyKey,
    string AccessKeyId,
    string SealedSecretAccessKey,
    string? SealedSessionToken,
    string Region,
    DateTimeOffset? ExpiresAt,
    OrganizationQuotaOverrides? QuotaOverrides = null) : IIntegrationMessage;

using Amazon.Runtime;
using DigiUsher.Contracts;
using DigiUsher.ServiceDefaults.Security;
using MassTransit;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace DigiUsher.Aws;

/// <summary>
/// The AWS credentials of a data source, its home region, and its organization's quota overrides as
/// DataSource answered them (null: none; <see cref="DigiUsher.ServiceDefaults.Quotas.TenantQuotas.With"/> applies them).
/// </summary>
public sealed record DataSourceAwsCredentials(AWSCredentials Credentials, string AccessKeyId, string Region, DateTimeOffset? ExpiresAt)
{
    public OrganizationQuotaOverrides? QuotaOverrides { get; init; }
}

/// <summary>Gets a data source's credentials from DataSource.</summary>
public interface IDataSourceCredentials
{
    /// <exception cref="CredentialsUnavailableException">The data source is gone or its role cannot be assumed.</exception>
    Task<DataSourceAwsCredentials> GetAsync(Guid organizationId, Guid dataSourceId, CancellationToken cancellationToken);

    /// <summary>Drops the cached credentials (keys rotated, data source removed).</summary>
    void Invalidate(Guid dataSourceId);
}

public sealed class CredentialsUnavailableException(string message) : Exception(message);

/// <summary>
/// Asks DataSource with a <c>GetAwsCredentials</c> request and keeps the answer in memory only, for a
/// few minutes (never stored, never logged). The secret arrives sealed and is opened here.
/// </summary>
public sealed class DataSourceCredentialsClient(
    IRequestClient<GetAwsCredentials> requestClient,
    CredentialSealer sealer,
    IMemoryCache cache,
    IOptions<AwsOptions> options,
    DigiUsher.ServiceDefaults.DigiUsherService service) : IDataSourceCredentials
{
    public async Task<DataSourceAwsCredentials> GetAsync(Guid organizationId, Guid dataSourceId, CancellationToken cancellationToken)
    {
        if (cache.TryGetValue(CacheKey(dataSourceId), out DataSourceAwsCredentials? cached) && cached is not null
            && (cached.ExpiresAt is null || cached.ExpiresAt > DateTimeOffset.UtcNow.AddMinutes(2)))
        {
            return cached;
        }

        var response = await requestClient.GetResponse<AwsCredentialsIssued, AwsCredentialsUnavailable>(
            new GetAwsCredentials(organizationId, dataSourceId, NewId.NextGuid().ToString(), service.Name),
            cancellationToken,
            RequestTimeout.After(s: 30));
        if (response.Is(out Response<AwsCredentialsUnavailable>? unavailable))
        {
            throw new CredentialsUnavailableException(unavailable.Message.Reason);
        }

        if (!response.Is(out Response<AwsCredentialsIssued>? issuedResponse))
        {
            throw new CredentialsUnavailableException("DataSource gave no credentials.");
        }

        var issued = issuedResponse.Message;
        if (issued.OrganizationId != organizationId)
        {
            throw new CredentialsUnavailableException("DataSource answered for another organization.");
        }

        var secret = sealer.Open(issued.SealedSecretAccessKey);
        AWSCredentials credentials = issued.SealedSessionToken is { } token
            ? new SessionAWSCredentials(issued.AccessKeyId, secret, sealer.Open(token))
            : new BasicAWSCredentials(issued.AccessKeyId, secret);
        // Cached with the credentials: an operator's change of the quotas reaches a data source's polls and
        // imports within CredentialCacheDuration (or at once when its credentials are invalidated).
        var result = new DataSourceAwsCredentials(credentials, issued.AccessKeyId, issued.Region, issued.ExpiresAt) { QuotaOverrides = issued.QuotaOverrides };
        cache.Set(CacheKey(dataSourceId), result, options.Value.CredentialCacheDuration);
        return result;
    }

    public void Invalidate(Guid dataSourceId) => cache.Remove(CacheKey(dataSourceId));

    private static string CacheKey(Guid dataSourceId) => $"aws-credentials:{dataSourceId}";
}

using Amazon.Runtime;
using DigiUsher.Contracts;
using DigiUsher.ServiceDefaults.Security;
using MassTransit;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

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

    /// <summary>Credentials in member account <paramref name="accountId"/> of a root data source's organization, by its member account role.</summary>
    /// <exception cref="CredentialsUnavailableException">DataSource refused (not a member, no member role) or the account refused the role.</exception>
    Task<DataSourceAwsCredentials> GetMemberAsync(Guid organizationId, Guid dataSourceId, string accountId, CancellationToken cancellationToken);

    /// <summary>Drops the cached credentials (keys rotated, data source removed).</summary>
    void Invalidate(Guid dataSourceId);

    /// <summary>Drops the cached credentials of every data source of the organization (its quota overrides changed).</summary>
    void InvalidateOrganization(Guid organizationId);
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
    // Per organization, the token its cached entries expire with (cancelled when its quotas change).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, CancellationTokenSource> _organizations = new();

    public Task<DataSourceAwsCredentials> GetAsync(Guid organizationId, Guid dataSourceId, CancellationToken cancellationToken) =>
        GetAsync(organizationId, dataSourceId, null, cancellationToken);

    public Task<DataSourceAwsCredentials> GetMemberAsync(Guid organizationId, Guid dataSourceId, string accountId, CancellationToken cancellationToken) =>
        GetAsync(organizationId, dataSourceId, accountId, cancellationToken);

    private async Task<DataSourceAwsCredentials> GetAsync(Guid organizationId, Guid dataSourceId, string? accountId, CancellationToken cancellationToken)
    {
        if (cache.TryGetValue(CacheKey(dataSourceId, accountId), out DataSourceAwsCredentials? cached) && cached is not null
            && (cached.ExpiresAt is null || cached.ExpiresAt > DateTimeOffset.UtcNow.AddMinutes(2)))
        {
            return cached;
        }

        // Taken before asking: a quota change announced while the answer is on its way voids that answer's entry too.
        var quotasUnchanged = _organizations.GetOrAdd(organizationId, _ => new CancellationTokenSource()).Token;
        var response = await requestClient.GetResponse<AwsCredentialsIssued, AwsCredentialsUnavailable>(
            new GetAwsCredentials(organizationId, dataSourceId, NewId.NextGuid().ToString(), service.Name, accountId),
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
        // imports at once (OrganizationQuotasChanged drops the organization's entries), and so does an
        // override's own end (the entry lives no longer than the override it carries).
        var result = new DataSourceAwsCredentials(credentials, issued.AccessKeyId, issued.Region, issued.ExpiresAt) { QuotaOverrides = issued.QuotaOverrides };
        var entry = new MemoryCacheEntryOptions
        {
            AbsoluteExpiration = CachedUntil(DateTimeOffset.UtcNow, options.Value.CredentialCacheDuration, issued.QuotaOverrides?.ExpiresAt),
        };
        entry.AddExpirationToken(new CancellationChangeToken(quotasUnchanged));
        cache.Set(CacheKey(dataSourceId, accountId), result, entry);
        return result;
    }

    // The root's own are removed at once (a rotation, a removal); a member account's entry ages out within
    // CredentialCacheDuration, and DataSource refuses new ones once the data source is gone.
    public void Invalidate(Guid dataSourceId) => cache.Remove(CacheKey(dataSourceId, null));

    public void InvalidateOrganization(Guid organizationId)
    {
        // Not disposed: a request that took the token before the removal still registers its entry on it.
        if (_organizations.TryRemove(organizationId, out var entries))
        {
            entries.Cancel();
        }
    }

    /// <summary>
    /// How long an answer is kept: <paramref name="cacheDuration"/>, and never past the end of the quota override
    /// it carries (an override already ended keeps nothing: it is asked again next time).
    /// </summary>
    public static DateTimeOffset CachedUntil(DateTimeOffset now, TimeSpan cacheDuration, DateTimeOffset? overrideEndsAt) =>
        overrideEndsAt is { } end && end < now + cacheDuration ? (end > now ? end : now) : now + cacheDuration;

    private static string CacheKey(Guid dataSourceId, string? accountId) =>
        accountId is null ? $"aws-credentials:{dataSourceId}" : $"aws-credentials:{dataSourceId}:{accountId}";
}

/// <summary>An organization's quotas changed: its cached credentials (which carry the overrides) are dropped.</summary>
public sealed class OrganizationQuotasChangedConsumer(IDataSourceCredentials credentials) : IConsumer<OrganizationQuotasChanged>
{
    public Task Consume(ConsumeContext<OrganizationQuotasChanged> context)
    {
        credentials.InvalidateOrganization(context.Message.OrganizationId);
        return Task.CompletedTask;
    }
}

public sealed class OrganizationQuotasChangedConsumerDefinition : DigiUsher.ServiceDefaults.Messaging.RetryingConsumerDefinition<OrganizationQuotasChangedConsumer>;

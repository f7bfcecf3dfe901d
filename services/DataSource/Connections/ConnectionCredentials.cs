using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using DigiUsher.Aws;
using Microsoft.Extensions.Options;

namespace DigiUsher.DataSource.Connections;

/// <summary>How a data source reaches AWS: long-term access keys, or a role assumed with an external id.</summary>
public abstract record ConnectionCredentials
{
    private ConnectionCredentials()
    {
    }

    /// <summary>Access keys of an IAM user of the payer account (what the connection guide sets up).</summary>
    public sealed record AccessKeys(string AccessKeyId, string SecretAccessKey) : ConnectionCredentials
    {
        public override string ToString() => $"AccessKeys {{ AccessKeyId = {AccessKeyId} }}";
    }

    /// <summary>A role of the payer account that trusts DigiUsher's principal with an external id.</summary>
    public sealed record Role(string RoleArn, string ExternalId) : ConnectionCredentials;
}

/// <summary>
/// Section <c>RoleAssumption</c>: the principal DigiUsher assumes customer roles as. Empty keys mean
/// the SDK's default credential chain (instance profile, IRSA, environment).
/// </summary>
public sealed class RoleAssumptionOptions
{
    public const string Section = "RoleAssumption";

    public string? AccessKeyId { get; set; }

    public string? SecretAccessKey { get; set; }

    /// <summary>
    /// DigiUsher's principal as the customers' trust policies name it; when empty, STS's
    /// GetCallerIdentity of the principal says it.
    /// </summary>
    public string? PrincipalArn { get; set; }

    /// <summary>
    /// Refuse a role whose trust policy lets DigiUsher in without the external id (checked by assuming
    /// it once without). Only an STS that enforces trust policies can tell; moto_server does only with
    /// <c>INITIAL_NO_AUTH_ACTION_COUNT</c>, so the local stack turns it off, and Production refuses to start without it.
    /// </summary>
    public bool RequireExternalIdCondition { get; set; } = true;

    /// <summary>Lifetime of assumed-role sessions (AWS allows 15 minutes to the role's maximum, 1 hour by default).</summary>
    public TimeSpan SessionDuration { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>Credentials usable by the SDK, and when they expire (null for long-term keys).</summary>
public sealed record ResolvedCredentials(AWSCredentials Credentials, string AccessKeyId, string SecretAccessKey, string? SessionToken, DateTimeOffset? ExpiresAt);

/// <summary>Turns stored credentials into SDK credentials, assuming the role where there is one.</summary>
public sealed class CredentialResolver(AwsClientFactory clients, IOptions<RoleAssumptionOptions> roleOptions)
{
    private string? _principalArn;

    /// <summary>See <see cref="RoleAssumptionOptions.RequireExternalIdCondition"/>.</summary>
    public bool RequireExternalIdCondition => roleOptions.Value.RequireExternalIdCondition;

    /// <exception cref="AmazonServiceException">STS refused to assume the role.</exception>
    public async Task<ResolvedCredentials> ResolveAsync(ConnectionCredentials credentials, string sessionName, CancellationToken cancellationToken)
    {
        switch (credentials)
        {
            case ConnectionCredentials.AccessKeys keys:
                return new ResolvedCredentials(new BasicAWSCredentials(keys.AccessKeyId, keys.SecretAccessKey), keys.AccessKeyId, keys.SecretAccessKey, null, null);
            case ConnectionCredentials.Role role:
                using (var sts = CreateSts(null))
                {
                    var response = await sts.AssumeRoleAsync(new AssumeRoleRequest
                    {
                        RoleArn = role.RoleArn,
                        ExternalId = role.ExternalId,
                        RoleSessionName = sessionName,
                        DurationSeconds = (int)roleOptions.Value.SessionDuration.TotalSeconds,
                    }, cancellationToken);
                    var c = response.Credentials;
                    return new ResolvedCredentials(
                        new SessionAWSCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken),
                        c.AccessKeyId,
                        c.SecretAccessKey,
                        c.SessionToken,
                        AwsTimestamps.Utc(c.Expiration));
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(credentials));
        }
    }

    /// <summary>DigiUsher's principal ARN for the trust policy, or null when STS cannot say (no principal configured).</summary>
    public async Task<string?> PrincipalArnAsync(CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(roleOptions.Value.PrincipalArn))
        {
            return roleOptions.Value.PrincipalArn;
        }

        if (_principalArn is not null)
        {
            return _principalArn;
        }

        try
        {
            using var sts = CreateSts(null);
            return _principalArn = (await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), cancellationToken)).Arn;
        }
        catch (Exception ex) when (ex is AmazonServiceException or AmazonClientException)
        {
            return null;
        }
    }

    /// <summary>
    /// True when STS lets DigiUsher assume the role with an external id nobody issued: its trust policy
    /// does not require the data source's, so anyone who connects the role's ARN to DigiUsher would read
    /// the account. (A random id rather than none: AWS ignores an external id the policy does not test,
    /// and moto 5.2.1 lets a request without one pass any sts:ExternalId condition.)
    /// </summary>
    public async Task<bool> AssumableWithoutExternalIdAsync(string roleArn, CancellationToken cancellationToken)
    {
        using var sts = CreateSts(null);
        try
        {
            await sts.AssumeRoleAsync(new AssumeRoleRequest
            {
                RoleArn = roleArn,
                RoleSessionName = "digiusher-trust-check",
                ExternalId = "digiusher-trust-check-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)),
                DurationSeconds = 900,
            }, cancellationToken);
            return true;
        }
        catch (AmazonServiceException)
        {
            return false;
        }
    }

    /// <summary>An STS client with <paramref name="credentials"/>, or with DigiUsher's own principal when null.</summary>
    public IAmazonSecurityTokenService CreateSts(AWSCredentials? credentials) =>
        clients.CreateSts(
            credentials ?? (string.IsNullOrEmpty(roleOptions.Value.AccessKeyId)
                ? null
                : new BasicAWSCredentials(roleOptions.Value.AccessKeyId, roleOptions.Value.SecretAccessKey)),
            null);
}

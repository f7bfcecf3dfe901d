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

    /// <summary>Lifetime of assumed-role sessions (AWS allows 15 minutes to the role's maximum, 1 hour by default).</summary>
    public TimeSpan SessionDuration { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>Credentials usable by the SDK, and when they expire (null for long-term keys).</summary>
public sealed record ResolvedCredentials(AWSCredentials Credentials, string AccessKeyId, string SecretAccessKey, string? SessionToken, DateTimeOffset? ExpiresAt);

/// <summary>Turns stored credentials into SDK credentials, assuming the role where there is one.</summary>
public sealed class CredentialResolver(AwsClientFactory clients, IOptions<RoleAssumptionOptions> roleOptions)
{
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

    /// <summary>An STS client with <paramref name="credentials"/>, or with DigiUsher's own principal when null.</summary>
    public IAmazonSecurityTokenService CreateSts(AWSCredentials? credentials) =>
        clients.CreateSts(
            credentials ?? (string.IsNullOrEmpty(roleOptions.Value.AccessKeyId)
                ? null
                : new BasicAWSCredentials(roleOptions.Value.AccessKeyId, roleOptions.Value.SecretAccessKey)),
            null);
}

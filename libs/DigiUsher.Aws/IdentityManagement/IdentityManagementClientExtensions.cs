using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DigiUsher.Aws.IdentityManagement;

public static class IdentityManagementClientExtensions
{
    /// <summary>Registers <see cref="IIdentityManagementClient"/> (call after <c>AddDigiUsherAws</c>).</summary>
    public static IServiceCollection AddIdentityManagementClient(this IServiceCollection services)
    {
        services.TryAddSingleton<AwsQueryProtocol>();
        services.TryAddSingleton<IIdentityManagementClient, IdentityManagementClient>();
        return services;
    }

    /// <summary>Every user, following <c>Marker</c> until the listing is no longer truncated.</summary>
    public static async IAsyncEnumerable<IamUser> ListAllUsersAsync(
        this IIdentityManagementClient client,
        AWSCredentials credentials,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? marker = null;
        do
        {
            var page = await client.ListUsersAsync(credentials, new ListUsersRequest(marker), cancellationToken);
            foreach (var user in page.Users)
            {
                yield return user;
            }

            marker = page.IsTruncated ? page.Marker : null;
        }
        while (!string.IsNullOrEmpty(marker));
    }

    /// <summary>Every access key of a user, all pages.</summary>
    public static async Task<IReadOnlyList<AccessKeyMetadata>> ListAllAccessKeysAsync(
        this IIdentityManagementClient client,
        AWSCredentials credentials,
        string userName,
        CancellationToken cancellationToken)
    {
        var keys = new List<AccessKeyMetadata>();
        string? marker = null;
        do
        {
            var page = await client.ListAccessKeysAsync(credentials, new ListAccessKeysRequest(userName, marker), cancellationToken);
            keys.AddRange(page.AccessKeyMetadata);
            marker = page.IsTruncated ? page.Marker : null;
        }
        while (!string.IsNullOrEmpty(marker));
        return keys;
    }
}

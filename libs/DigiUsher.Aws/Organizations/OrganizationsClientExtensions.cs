using Amazon.Runtime;
using DigiUsher.Aws.Signing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DigiUsher.Aws.Organizations;

public static class OrganizationsClientExtensions
{
    /// <summary>The most pages <see cref="ListAllAccountsAsync"/> follows (20 accounts each: 20,000 accounts).</summary>
    public const int MaxPages = 1000;

    /// <summary>Registers <see cref="IOrganizationsClient"/> (call after <c>AddDigiUsherAws</c>).</summary>
    public static IServiceCollection AddOrganizationsClient(this IServiceCollection services)
    {
        services.TryAddSingleton<AwsSignedHttpClientFactory>();
        services.TryAddSingleton<IOrganizationsClient, OrganizationsClient>();
        return services;
    }

    /// <summary>Every account of the organization, following <c>NextToken</c> until AWS gives none.</summary>
    public static async Task<IReadOnlyList<OrganizationAccount>> ListAllAccountsAsync(this IOrganizationsClient client, AWSCredentials credentials, CancellationToken cancellationToken)
    {
        var accounts = new List<OrganizationAccount>();
        string? token = null;
        for (var page = 0; page < MaxPages; page++)
        {
            var response = await client.ListAccountsAsync(credentials, new ListAccountsRequest(token, 20), cancellationToken);
            accounts.AddRange(response.Accounts);
            token = response.NextToken;
            if (token is null)
            {
                return accounts;
            }
        }

        throw new OrganizationsException(AwsErrorKind.Other, "organizations:ListAccounts", "TooManyPages", $"ListAccounts returned more than {MaxPages} pages.");
    }
}

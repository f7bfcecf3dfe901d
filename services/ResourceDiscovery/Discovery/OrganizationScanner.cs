using Amazon.Runtime;
using DigiUsher.Aws;
using DigiUsher.Aws.Organizations;
using DigiUsher.Contracts;

namespace DigiUsher.ResourceDiscovery.Discovery;

/// <summary>
/// Lists the member accounts of the AWS Organization a root data source manages
/// (<c>organizations:ListAccounts</c>, optional): every run refreshes the names shown beside account ids.
/// </summary>
public sealed class OrganizationScanner(IOrganizationsClient organizations)
{
    /// <summary>
    /// The accounts, or null when the feature is off or denied, the account manages no organization, or the
    /// data source is a linked (member) account, which AWS never lets list its organization.
    /// </summary>
    public async Task<IReadOnlyList<MemberAccount>?> ListAsync(DataSourceSettings settings, AWSCredentials credentials, RunCollector run, CancellationToken cancellationToken)
    {
        if (settings.Kind == DataSourceKinds.AwsLinked || run.IsOff(DiscoveryFeatures.Organizations))
        {
            return null;
        }

        try
        {
            var accounts = await organizations.ListAllAccountsAsync(credentials, cancellationToken);
            return accounts.Count == 0 ? null : accounts.Select(a => new MemberAccount(a.Id, a.Name, a.Status)).ToList();
        }
        catch (OrganizationsException ex) when (ex.NotInOrganization)
        {
            // A standalone account: nothing to list, and nothing wrong.
            return null;
        }
        catch (OrganizationsException ex) when (ex.Kind == AwsErrorKind.AccessDenied)
        {
            var reason = $"AccessDenied on {ex.Action}: account names come from the CUR only. Allow it to the data source's identity "
                + "(the management account's, or a delegated administrator's) to name every member account.";
            run.Deny(DiscoveryFeatures.Organizations, reason);
            run.Skip(DiscoveryFeatures.Organizations, null, reason);
            return null;
        }
        catch (OrganizationsException ex)
        {
            run.Skip(DiscoveryFeatures.Organizations, null, ex.Message);
            return null;
        }
    }
}

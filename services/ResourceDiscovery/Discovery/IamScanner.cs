using System.Collections.Concurrent;
using System.Globalization;
using Amazon.Runtime;
using DigiUsher.Aws.IdentityManagement;
using DigiUsher.Contracts;
using Microsoft.Extensions.Options;

namespace DigiUsher.ResourceDiscovery.Discovery;

/// <summary>Every IAM user (console access, password last used) and access key (status, last use).</summary>
public sealed class IamScanner(IIdentityManagementClient iam, IOptions<DiscoveryOptions> options)
{
    private const string Global = "global";
    private static readonly IReadOnlyDictionary<string, string> NoTags = new Dictionary<string, string>();

    public async Task ScanAsync(AWSCredentials credentials, RunCollector run, CancellationToken cancellationToken)
    {
        if (run.IsOff(ResourceKinds.IamUser) || await ListUsersAsync(credentials, run, cancellationToken) is not { } users)
        {
            return;
        }

        var userResources = new ConcurrentBag<DiscoveredResource>();
        var keyResources = new ConcurrentBag<DiscoveredResource>();
        var keysComplete = !run.IsOff(ResourceKinds.AccessKey);
        await Parallel.ForEachAsync(
            users,
            new ParallelOptions { MaxDegreeOfParallelism = options.Value.MaxParallelCalls, CancellationToken = cancellationToken },
            async (user, ct) =>
            {
                if (!await DescribeUserAsync(credentials, run, user, userResources, keyResources, ct))
                {
                    keysComplete = false;
                }
            });

        run.Covered(ResourceKinds.IamUser, Global, userResources);
        if (keysComplete)
        {
            run.Covered(ResourceKinds.AccessKey, Global, keyResources);
        }
    }

    /// <summary>Every IAM user, or null when they cannot be listed (both kinds then skipped, and the feature denied on AccessDenied).</summary>
    private async Task<List<IamUser>?> ListUsersAsync(AWSCredentials credentials, RunCollector run, CancellationToken cancellationToken)
    {
        var users = new List<IamUser>();
        try
        {
            await foreach (var user in iam.ListAllUsersAsync(credentials, cancellationToken))
            {
                users.Add(user);
            }

            return users;
        }
        catch (IdentityManagementException ex) when (ex.Failure == IdentityManagementFailure.AccessDenied)
        {
            var reason = "AccessDenied on iam:ListUsers: " + ex.Message;
            run.Deny(DiscoveryFeatures.Iam, reason);
            run.Skip(ResourceKinds.IamUser, null, reason);
            run.Skip(ResourceKinds.AccessKey, null, reason);
            return null;
        }
        catch (IdentityManagementException ex)
        {
            run.Skip(ResourceKinds.IamUser, null, ex.Message);
            run.Skip(ResourceKinds.AccessKey, null, ex.Message);
            return null;
        }
    }

    /// <summary>
    /// The user (console access, password last used) and, unless access keys are off, each of its keys with its last use.
    /// Returns false when its keys could not be listed (the access keys are then not covered).
    /// </summary>
    private async Task<bool> DescribeUserAsync(
        AWSCredentials credentials, RunCollector run, IamUser user, ConcurrentBag<DiscoveredResource> users, ConcurrentBag<DiscoveredResource> keys, CancellationToken ct)
    {
        var attributes = new Dictionary<string, string>
        {
            ["userName"] = user.UserName,
            ["userId"] = user.UserId,
            ["path"] = user.Path,
            ["passwordLastUsed"] = Format(user.PasswordLastUsed),
        };
        var profile = await CallAsync(run, ResourceKinds.IamUser, () => iam.GetLoginProfileAsync(credentials, user.UserName, ct));
        attributes["consoleAccess"] = profile.Known ? (profile.Value is not null ? "true" : "false") : "unknown";
        attributes["passwordResetRequired"] = profile.Value?.PasswordResetRequired == true ? "true" : "false";

        var keysKnown = run.IsOff(ResourceKinds.AccessKey) || await DescribeKeysAsync(credentials, run, user, attributes, keys, ct);
        users.Add(new DiscoveredResource(
            user.Arn, ResourceKinds.IamUser, user.UserName, Global, "active", user.CreateDate, NoTags, attributes, null, null, null));
        return keysKnown;
    }

    /// <summary>The user's access keys with their last use, counted in the user's <paramref name="attributes"/>; false when they could not be listed.</summary>
    private async Task<bool> DescribeKeysAsync(
        AWSCredentials credentials, RunCollector run, IamUser user, Dictionary<string, string> attributes, ConcurrentBag<DiscoveredResource> keys, CancellationToken ct)
    {
        var listed = await CallAsync(run, ResourceKinds.AccessKey, () => iam.ListAllAccessKeysAsync(credentials, user.UserName, ct));
        var list = listed.Value ?? [];
        attributes["accessKeys"] = list.Count.ToString(CultureInfo.InvariantCulture);
        attributes["activeAccessKeys"] = list.Count(k => k.Status == "Active").ToString(CultureInfo.InvariantCulture);
        foreach (var key in list)
        {
            var lastUsed = await CallAsync(run, ResourceKinds.AccessKey, () => iam.GetAccessKeyLastUsedAsync(credentials, key.AccessKeyId, ct));
            var used = lastUsed.Value?.AccessKeyLastUsed;
            keys.Add(new DiscoveredResource(
                key.AccessKeyId, ResourceKinds.AccessKey, user.UserName, Global, key.Status, key.CreateDate, NoTags,
                new Dictionary<string, string>
                {
                    ["userName"] = user.UserName,
                    ["userArn"] = user.Arn,
                    ["status"] = key.Status,
                    ["lastUsedDate"] = lastUsed.Known ? Format(used?.LastUsedDate) : "unknown",
                    ["lastUsedService"] = NotApplicable(used?.ServiceName),
                    ["lastUsedRegion"] = NotApplicable(used?.Region),
                },
                null, null, null));
        }

        return listed.Known;
    }

    private static async Task<(bool Known, T? Value)> CallAsync<T>(RunCollector run, string kind, Func<Task<T>> call)
    {
        try
        {
            return (true, await call());
        }
        catch (IdentityManagementException ex)
        {
            if (ex.Failure == IdentityManagementFailure.AccessDenied)
            {
                run.Skip(kind, null, $"AccessDenied on {ex.Action}: {ex.Message}");
            }
            else
            {
                run.Skip(kind, null, ex.Message);
            }

            return (false, default);
        }
    }

    private static string Format(DateTimeOffset? value) => value?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) ?? string.Empty;

    private static string NotApplicable(string? value) => string.IsNullOrEmpty(value) || value == "N/A" ? string.Empty : value;
}

using Amazon.Runtime;
using Amazon.SecurityToken.Model;
using DigiUsher.Aws;
using DigiUsher.Contracts;
using DigiUsher.ResourceDiscovery.Data;
using DigiUsher.ResourceDiscovery.Owners;
using MassTransit;

namespace DigiUsher.ResourceDiscovery.Discovery;

/// <summary>One discovery run of one data source: scan, assign owners, store and announce.</summary>
public sealed partial class DiscoveryRunner(
    IDataSourceCredentials credentials,
    AwsClientFactory factory,
    Ec2Scanner ec2,
    BucketScanner buckets,
    IamScanner iam,
    OrganizationScanner organization,
    DiscoveryStore store,
    TimeProvider clock,
    DiscoveryMetrics metrics,
    ILogger<DiscoveryRunner> logger)
{
    public async Task RunAsync(DataSourceRecord source, Guid runId, CancellationToken cancellationToken)
    {
        var startedAt = clock.GetUtcNow();
        LogStarted(logger, runId, source.DataSourceId);
        var result = "failed";
        try
        {
            var outcome = await ScanAsync(source, runId, startedAt, cancellationToken);
            if (outcome.Covered.Count == 0 && outcome.Skipped.Count > 0)
            {
                var reason = "Nothing could be discovered: " + string.Join("; ", outcome.Skipped.Select(s => $"{s.Kind}: {s.Reason}").Distinct().Take(5));
                await store.FailRunAsync(source, runId, reason, CancellationToken.None);
                LogFailed(logger, runId, source.DataSourceId, reason);
                return;
            }

            await store.CompleteRunAsync(outcome, CancellationToken.None);
            result = "succeeded";
            metrics.Found(outcome.Groups.GroupBy(g => g.Kind).Select(g => (g.Key, g.Sum(r => r.Resources.Count))));
            LogCompleted(logger, runId, source.DataSourceId, outcome.Groups.Sum(g => g.Resources.Count), outcome.Skipped.Count);
        }
        catch (Exception ex) when (ex is CredentialsUnavailableException or RequestTimeoutException or RequestFaultException)
        {
            var reason = ex is RequestTimeoutException
                ? "DataSource did not answer the credentials request in time."
                : "Credentials unavailable: " + ex.Message;
            await store.FailRunAsync(source, runId, reason, CancellationToken.None);
            LogFailed(logger, runId, source.DataSourceId, reason);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            result = "cancelled";
            await store.FailRunAsync(source, runId, "The discovery run was interrupted by a shutdown; it will run again.", CancellationToken.None);
        }
        catch (AmazonServiceException ex)
        {
            var reason = $"AWS refused the data source's keys ({ex.ErrorCode}): {ex.Message}";
            await store.FailRunAsync(source, runId, reason, CancellationToken.None);
            LogFailed(logger, runId, source.DataSourceId, reason);
        }
        finally
        {
            metrics.RunEnded(clock.GetUtcNow() - startedAt, result);
        }
    }

    private async Task<RunOutcome> ScanAsync(DataSourceRecord source, Guid runId, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        var aws = await credentials.GetAsync(source.OrganizationId, source.DataSourceId, cancellationToken);
        var homeRegion = factory.RegionOrDefault(string.IsNullOrWhiteSpace(aws.Region) ? source.Settings.Region : aws.Region);

        var off = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var feature in source.Settings.DisabledFeatures ?? [])
        {
            off.TryAdd(feature, "disabled by the data source's connection validation");
        }

        foreach (var (feature, reason) in await store.DeniedFeaturesAsync(source.DataSourceId, cancellationToken))
        {
            off.TryAdd(feature, reason);
        }

        var run = new RunCollector(off);
        foreach (var (feature, reason) in off)
        {
            run.Skip(feature, null, reason);
        }

        var stsAccountId = await AccountIdAsync(aws.Credentials, homeRegion, cancellationToken);
        var accountId = stsAccountId ?? source.Settings.AccountId ?? source.Settings.PayerAccountId ?? "unknown";
        var members = organization.ListAsync(source.Settings, aws.Credentials, run, cancellationToken);
        await Task.WhenAll(ScanAccountAsync(aws.Credentials, homeRegion, run, cancellationToken), members);

        var rules = await store.OwnerRulesAsync(source.OrganizationId, cancellationToken);
        var (memberOutcomes, kept) = await ScanMembersAsync(source, await members, accountId, homeRegion, rules, run, cancellationToken);
        // Which account the root's own resources are in is only sure when STS said it.
        kept = stsAccountId is null ? null : kept;
        return new RunOutcome(source, runId, accountId, startedAt, clock.GetUtcNow(), Assigned(run, rules, source, null), run.CoveredKeys, run.Skipped, run.Denied)
        {
            MemberAccounts = await members,
            Members = memberOutcomes,
            KeptAccounts = kept,
        };
    }

    private Task ScanAccountAsync(AWSCredentials credentials, string homeRegion, RunCollector run, CancellationToken cancellationToken) =>
        Task.WhenAll(
            ec2.ScanAsync(credentials, homeRegion, run, cancellationToken),
            buckets.ScanAsync(credentials, homeRegion, run, cancellationToken),
            iam.ScanAsync(credentials, run, cancellationToken));

    /// <summary>
    /// Discovers each member account the root's member account role covers (<see cref="MemberAccounts.ToDiscover"/>) with
    /// the credentials DataSource issues for it, one account at a time. An account that refuses the role, or whose
    /// credentials DataSource refuses, is reported as a skip naming it; the others go on.
    /// </summary>
    private async Task<(IReadOnlyList<MemberAccountOutcome> Members, IReadOnlyList<string>? Kept)> ScanMembersAsync(
        DataSourceRecord source, IReadOnlyList<MemberAccount>? listed, string rootAccountId, string homeRegion, IReadOnlyList<OwnerRule> rules,
        RunCollector rootRun, CancellationToken cancellationToken)
    {
        if (source.Settings.Kind != DataSourceKinds.AwsRoot)
        {
            return ([], null);
        }

        if (string.IsNullOrEmpty(source.Settings.MemberAccountRoleName))
        {
            // No member account role (any more): only the root's own account is this data source's.
            return ([], [rootAccountId]);
        }

        if (listed is null)
        {
            rootRun.Skip(MemberAccounts.SkipKind, null, $"The member accounts were not discovered: memberAccountRole '{source.Settings.MemberAccountRoleName}' needs "
                + "organizations:ListAccounts to list them, which this run could not call (see the organizations skip).");
            return ([], null);
        }

        var kept = new List<string> { rootAccountId };

        var linked = await store.LinkedAccountIdsAsync(source.OrganizationId, cancellationToken);
        var outcomes = new List<MemberAccountOutcome>();
        foreach (var member in MemberAccounts.ToDiscover(source.Settings, listed, rootAccountId, linked))
        {
            DataSourceAwsCredentials aws;
            try
            {
                aws = await credentials.GetMemberAsync(source.OrganizationId, source.DataSourceId, member.AccountId, cancellationToken);
            }
            catch (Exception ex) when (ex is CredentialsUnavailableException or RequestTimeoutException or RequestFaultException)
            {
                var reason = ex is RequestTimeoutException ? "DataSource did not answer the credentials request in time." : ex.Message;
                rootRun.Skip(MemberAccounts.SkipKind, null, $"Account {member.AccountId} ({member.Name}): {reason}");
                kept.Add(member.AccountId);
                continue;
            }

            kept.Add(member.AccountId);

            var run = new RunCollector(new Dictionary<string, string>(StringComparer.Ordinal));
            await ScanAccountAsync(aws.Credentials, homeRegion, run, cancellationToken);
            foreach (var skip in run.Skipped)
            {
                rootRun.Skip(skip.Kind, skip.Region, $"Account {member.AccountId} ({member.Name}): {skip.Reason}");
            }

            outcomes.Add(new MemberAccountOutcome(member.AccountId, member.Name, Assigned(run, rules, source, member), run.CoveredKeys));
        }

        return (outcomes, kept);
    }

    /// <summary>
    /// The run's resources with their owners (assigned over the whole account, so a volume can follow its instance);
    /// a member account's also carry the account's id and name as attributes.
    /// </summary>
    private static List<(string Region, string Kind, IReadOnlyList<DiscoveredResource> Resources)> Assigned(
        RunCollector run, IReadOnlyList<OwnerRule> rules, DataSourceRecord source, MemberAccount? member)
    {
        var found = run.Groups;
        var assigned = OwnerAssignment.AssignAll(found.SelectMany(g => g.Resources), rules, source.Settings.CreatedByEmail);
        var offset = 0;
        var groups = new List<(string Region, string Kind, IReadOnlyList<DiscoveredResource> Resources)>(found.Count);
        foreach (var (region, kind, resources) in found)
        {
            var slice = assigned.Skip(offset).Take(resources.Count);
            groups.Add((region, kind, member is null ? slice.ToList() : slice.Select(r => r with
            {
                Attributes = new Dictionary<string, string>(r.Attributes) { ["accountId"] = member.AccountId, ["accountName"] = member.Name },
            }).ToList()));
            offset += resources.Count;
        }

        return groups;
    }

    private async Task<string?> AccountIdAsync(AWSCredentials aws, string region, CancellationToken cancellationToken)
    {
        using var sts = factory.CreateSts(aws, region);
        try
        {
            // GetCallerIdentity needs no permission: https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
            return (await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), cancellationToken)).Account;
        }
        catch (AmazonServiceException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Discovery run {RunId} of data source {DataSourceId} started")]
    private static partial void LogStarted(ILogger logger, Guid runId, Guid dataSourceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Discovery run {RunId} of data source {DataSourceId} completed: {Resources} resources, {Skipped} skipped parts")]
    private static partial void LogCompleted(ILogger logger, Guid runId, Guid dataSourceId, int resources, int skipped);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Discovery run {RunId} of data source {DataSourceId} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, Guid runId, Guid dataSourceId, string reason);
}

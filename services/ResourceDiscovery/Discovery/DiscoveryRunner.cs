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

        var accountId = await AccountIdAsync(aws.Credentials, homeRegion, cancellationToken) ?? source.Settings.AccountId ?? source.Settings.PayerAccountId ?? "unknown";
        var members = organization.ListAsync(source.Settings, aws.Credentials, run, cancellationToken);
        await Task.WhenAll(
            ec2.ScanAsync(aws.Credentials, homeRegion, run, cancellationToken),
            buckets.ScanAsync(aws.Credentials, homeRegion, run, cancellationToken),
            iam.ScanAsync(aws.Credentials, run, cancellationToken),
            members);

        var rules = await store.OwnerRulesAsync(source.OrganizationId, cancellationToken);
        var found = run.Groups;
        var assigned = OwnerAssignment.AssignAll(found.SelectMany(g => g.Resources), rules, source.Settings.CreatedByEmail);
        var offset = 0;
        var groups = new List<(string Region, string Kind, IReadOnlyList<DiscoveredResource> Resources)>(found.Count);
        foreach (var (region, kind, resources) in found)
        {
            groups.Add((region, kind, assigned.Skip(offset).Take(resources.Count).ToList()));
            offset += resources.Count;
        }

        return new RunOutcome(source, runId, accountId, startedAt, clock.GetUtcNow(), groups, run.CoveredKeys, run.Skipped, run.Denied)
        {
            MemberAccounts = await members,
        };
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

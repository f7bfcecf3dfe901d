using System.Globalization;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using DigiUsher.Aws;
using DigiUsher.Aws.CloudWatch;
using DigiUsher.Contracts;
using Microsoft.Extensions.Options;

namespace DigiUsher.ResourceDiscovery.Discovery;

/// <summary>Instances (with daily CPU), volumes, own snapshots and Elastic IPs in every enabled region.</summary>
public sealed class Ec2Scanner(AwsClientFactory factory, ICloudWatchClient cloudWatch, IOptions<DiscoveryOptions> options, TimeProvider clock)
{
    private static readonly IReadOnlyDictionary<string, string> NoTags = new Dictionary<string, string>();

    public async Task ScanAsync(AWSCredentials credentials, string homeRegion, RunCollector run, CancellationToken cancellationToken)
    {
        if (DiscoveryFeatures.Ec2Kinds.All(run.IsOff))
        {
            return;
        }

        IReadOnlyList<string> regions;
        using (var home = factory.CreateEc2(credentials, homeRegion))
        {
            try
            {
                // Without AllRegions, DescribeRegions lists only the regions enabled for the account.
                var response = await home.DescribeRegionsAsync(new DescribeRegionsRequest(), cancellationToken);
                regions = (response.Regions ?? []).Select(r => r.RegionName).Order(StringComparer.Ordinal).ToList();
            }
            catch (AmazonServiceException ex) when (AwsErrors.Classify(ex) == AwsErrorKind.AccessDenied)
            {
                var reason = "AccessDenied on ec2:DescribeRegions: " + ex.Message;
                run.Deny(DiscoveryFeatures.Ec2, reason);
                foreach (var kind in DiscoveryFeatures.Ec2Kinds)
                {
                    run.Skip(kind, null, reason);
                }

                return;
            }
        }

        var only = options.Value.Regions;
        if (only.Length > 0)
        {
            regions = regions.Where(r => only.Contains(r, StringComparer.OrdinalIgnoreCase)).ToList();
        }

        await Parallel.ForEachAsync(
            regions,
            new ParallelOptions { MaxDegreeOfParallelism = options.Value.MaxParallelRegions, CancellationToken = cancellationToken },
            async (region, ct) => await ScanRegionAsync(credentials, region, run, ct));
    }

    private async Task ScanRegionAsync(AWSCredentials credentials, string region, RunCollector run, CancellationToken cancellationToken)
    {
        using var ec2 = factory.CreateEc2(credentials, region);
        var steps = new (string Kind, string Action, Func<Task<IReadOnlyList<DiscoveredResource>>> List)[]
        {
            (ResourceKinds.Instance, "ec2:DescribeInstances", () => InstancesAsync(ec2, credentials, region, run, cancellationToken)),
            (ResourceKinds.Volume, "ec2:DescribeVolumes", () => VolumesAsync(ec2, region, cancellationToken)),
            (ResourceKinds.Snapshot, "ec2:DescribeSnapshots", () => SnapshotsAsync(ec2, region, cancellationToken)),
            (ResourceKinds.ElasticIp, "ec2:DescribeAddresses", () => AddressesAsync(ec2, region, cancellationToken)),
        };
        foreach (var (kind, action, list) in steps)
        {
            if (run.IsOff(kind))
            {
                continue;
            }

            try
            {
                run.Covered(kind, region, await list());
            }
            catch (AmazonServiceException ex) when (IsRegionRefused(ex))
            {
                run.Skip("region", region, AwsErrors.Describe(action, ex));
                return;
            }
            catch (AmazonServiceException ex) when (AwsErrors.Classify(ex) == AwsErrorKind.AccessDenied)
            {
                var reason = "AccessDenied on " + action + ": " + ex.Message;
                run.Deny(kind, reason);
                run.Skip(kind, null, reason);
            }
            catch (AmazonServiceException ex)
            {
                // Not listed completely: not covered, so nothing of this kind and region is taken as gone.
                run.Skip(kind, region, AwsErrors.Describe(action, ex));
            }
        }
    }

    private async Task<IReadOnlyList<DiscoveredResource>> InstancesAsync(
        IAmazonEC2 ec2, AWSCredentials credentials, string region, RunCollector run, CancellationToken cancellationToken)
    {
        var instances = new List<Instance>();
        string? token = null;
        do
        {
            var page = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { NextToken = token }, cancellationToken);
            instances.AddRange((page.Reservations ?? []).SelectMany(r => r.Instances ?? []));
            token = page.NextToken;
        }
        while (!string.IsNullOrEmpty(token));

        var running = instances.Where(i => i.State?.Name?.Value == "running").Select(i => i.InstanceId).ToList();
        var cpu = await CpuAsync(credentials, region, running, run, cancellationToken);
        return instances
            .Where(i => i.State?.Name?.Value != "terminated")
            .Select(i =>
            {
                var tags = Tags(i.Tags);
                var attributes = new Dictionary<string, string>
                {
                    ["instanceType"] = i.InstanceType?.Value ?? string.Empty,
                    ["availabilityZone"] = i.Placement?.AvailabilityZone ?? string.Empty,
                    ["imageId"] = i.ImageId ?? string.Empty,
                    ["platform"] = i.PlatformDetails ?? i.Platform?.Value ?? string.Empty,
                    ["privateIpAddress"] = i.PrivateIpAddress ?? string.Empty,
                    ["publicIpAddress"] = i.PublicIpAddress ?? string.Empty,
                    ["vpcId"] = i.VpcId ?? string.Empty,
                    ["subnetId"] = i.SubnetId ?? string.Empty,
                    ["lifecycle"] = i.InstanceLifecycle?.Value ?? "on-demand",
                    ["volumeIds"] = string.Join(',', (i.BlockDeviceMappings ?? []).Select(b => b.Ebs?.VolumeId).Where(v => v is not null)),
                };
                return new DiscoveredResource(
                    i.InstanceId, ResourceKinds.Instance, NameOf(tags), region, i.State?.Name?.Value,
                    AwsTimestamps.Utc(i.LaunchTime), tags, attributes, null, null, cpu.GetValueOrDefault(i.InstanceId));
            })
            .ToList();
    }

    private async Task<Dictionary<string, IReadOnlyList<DailyCpu>>> CpuAsync(
        AWSCredentials credentials, string region, IReadOnlyList<string> instanceIds, RunCollector run, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, IReadOnlyList<DailyCpu>>(StringComparer.Ordinal);
        if (instanceIds.Count == 0 || run.IsOff(DiscoveryFeatures.CloudWatch))
        {
            return result;
        }

        var today = new DateTimeOffset(clock.GetUtcNow().UtcDateTime.Date, TimeSpan.Zero);
        var start = today.AddDays(-options.Value.CpuDays);
        var end = clock.GetUtcNow();
        await Parallel.ForEachAsync(
            instanceIds,
            new ParallelOptions { MaxDegreeOfParallelism = options.Value.MaxParallelCalls, CancellationToken = cancellationToken },
            async (instanceId, ct) =>
            {
                if (run.IsOff(DiscoveryFeatures.CloudWatch))
                {
                    return;
                }

                try
                {
                    var stats = await cloudWatch.GetMetricStatisticsAsync(credentials, region, new GetMetricStatisticsRequest(
                        "AWS/EC2", "CPUUtilization", [new Dimension("InstanceId", instanceId)], start, end, 86400, ["Average", "Maximum"]), ct);
                    var days = stats.Datapoints
                        .Where(d => d.Average is not null || d.Maximum is not null)
                        .Select(d => new DailyCpu(DateOnly.FromDateTime(d.Timestamp.UtcDateTime), Math.Round(d.Average ?? 0, 4), Math.Round(d.Maximum ?? 0, 4)))
                        .ToList();
                    lock (result)
                    {
                        result[instanceId] = days;
                    }
                }
                catch (CloudWatchException ex) when (ex.Failure == CloudWatchFailure.AccessDenied)
                {
                    var reason = "AccessDenied on cloudwatch:GetMetricStatistics: " + ex.Message;
                    run.Deny(DiscoveryFeatures.CloudWatch, reason);
                    run.Skip(DiscoveryFeatures.CloudWatch, null, reason);
                }
                catch (CloudWatchException ex)
                {
                    run.Skip(DiscoveryFeatures.CloudWatch, region, ex.Message);
                }
            });
        return result;
    }

    private static async Task<IReadOnlyList<DiscoveredResource>> VolumesAsync(IAmazonEC2 ec2, string region, CancellationToken cancellationToken)
    {
        var result = new List<DiscoveredResource>();
        string? token = null;
        do
        {
            var page = await ec2.DescribeVolumesAsync(new DescribeVolumesRequest { NextToken = token }, cancellationToken);
            foreach (var v in page.Volumes ?? [])
            {
                var tags = Tags(v.Tags);
                var attachments = (v.Attachments ?? []).Where(a => a.State?.Value is "attached" or "attaching").ToList();
                var attributes = new Dictionary<string, string>
                {
                    ["volumeType"] = v.VolumeType?.Value ?? string.Empty,
                    ["sizeGiB"] = (v.Size ?? 0).ToString(CultureInfo.InvariantCulture),
                    ["iops"] = v.Iops?.ToString(CultureInfo.InvariantCulture) ?? string.Empty,
                    ["encrypted"] = (v.Encrypted ?? false) ? "true" : "false",
                    ["availabilityZone"] = v.AvailabilityZone ?? string.Empty,
                    ["snapshotId"] = v.SnapshotId ?? string.Empty,
                    ["attached"] = attachments.Count > 0 ? "true" : "false",
                    ["attachedTo"] = string.Join(',', attachments.Select(a => a.InstanceId)),
                };
                result.Add(new DiscoveredResource(
                    v.VolumeId, ResourceKinds.Volume, NameOf(tags), region, v.State?.Value, AwsTimestamps.Utc(v.CreateTime), tags, attributes, null, null, null));
            }

            token = page.NextToken;
        }
        while (!string.IsNullOrEmpty(token));
        return result;
    }

    private static async Task<IReadOnlyList<DiscoveredResource>> SnapshotsAsync(IAmazonEC2 ec2, string region, CancellationToken cancellationToken)
    {
        var result = new List<DiscoveredResource>();
        string? token = null;
        do
        {
            // OwnerIds=self: without it DescribeSnapshots also lists every public snapshot of AWS.
            var page = await ec2.DescribeSnapshotsAsync(new DescribeSnapshotsRequest { OwnerIds = ["self"], NextToken = token }, cancellationToken);
            foreach (var s in page.Snapshots ?? [])
            {
                var tags = Tags(s.Tags);
                var attributes = new Dictionary<string, string>
                {
                    ["volumeId"] = s.VolumeId ?? string.Empty,
                    ["volumeSizeGiB"] = (s.VolumeSize ?? 0).ToString(CultureInfo.InvariantCulture),
                    ["encrypted"] = (s.Encrypted ?? false) ? "true" : "false",
                    ["description"] = s.Description ?? string.Empty,
                    ["storageTier"] = s.StorageTier?.Value ?? string.Empty,
                    ["ownerId"] = s.OwnerId ?? string.Empty,
                };
                result.Add(new DiscoveredResource(
                    s.SnapshotId, ResourceKinds.Snapshot, NameOf(tags), region, s.State?.Value, AwsTimestamps.Utc(s.StartTime), tags, attributes, null, null, null));
            }

            token = page.NextToken;
        }
        while (!string.IsNullOrEmpty(token));
        return result;
    }

    private static async Task<IReadOnlyList<DiscoveredResource>> AddressesAsync(IAmazonEC2 ec2, string region, CancellationToken cancellationToken)
    {
        // DescribeAddresses is not paginated: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeAddresses.html
        var response = await ec2.DescribeAddressesAsync(new DescribeAddressesRequest(), cancellationToken);
        return (response.Addresses ?? [])
            .Where(a => !string.IsNullOrEmpty(a.AllocationId))
            .Select(a =>
            {
                var tags = Tags(a.Tags);
                var associated = !string.IsNullOrEmpty(a.AssociationId) || !string.IsNullOrEmpty(a.InstanceId);
                var attributes = new Dictionary<string, string>
                {
                    ["publicIp"] = a.PublicIp ?? string.Empty,
                    ["domain"] = a.Domain?.Value ?? string.Empty,
                    ["associated"] = associated ? "true" : "false",
                    ["associationId"] = a.AssociationId ?? string.Empty,
                    ["instanceId"] = a.InstanceId ?? string.Empty,
                    ["networkInterfaceId"] = a.NetworkInterfaceId ?? string.Empty,
                };
                return new DiscoveredResource(
                    a.AllocationId, ResourceKinds.ElasticIp, NameOf(tags) ?? a.PublicIp, region, associated ? "associated" : "unassociated",
                    null, tags, attributes, null, null, null);
            })
            .ToList();
    }

    internal static IReadOnlyDictionary<string, string> Tags(IEnumerable<Amazon.EC2.Model.Tag>? tags) =>
        tags is null ? NoTags : tags.GroupBy(t => t.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Value ?? string.Empty, StringComparer.Ordinal);

    internal static string? NameOf(IReadOnlyDictionary<string, string> tags) =>
        tags.TryGetValue("Name", out var name) && !string.IsNullOrWhiteSpace(name) ? name : null;

    // A region that is not enabled for the account refuses the keys as if they were wrong
    // (AuthFailure, InvalidClientTokenId): https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html
    private static bool IsRegionRefused(AmazonServiceException ex) => AwsErrors.Classify(ex) is AwsErrorKind.RegionDisabled or AwsErrorKind.InvalidCredentials;
}

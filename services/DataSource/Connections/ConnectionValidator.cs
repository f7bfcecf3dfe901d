using Amazon.EC2.Model;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SecurityToken.Model;
using DigiUsher.Aws;
using DigiUsher.Aws.CloudWatch;
using DigiUsher.Aws.CostAndUsageReport;
using DigiUsher.Aws.IdentityManagement;

namespace DigiUsher.DataSource.Connections;

/// <summary>
/// Checks each permission of the connection guide with the data source's own credentials, finds the
/// payer account and the report definitions. Billing access (list and read the report bucket) is
/// required; the discovery permissions only switch features off. An API the endpoint does not offer
/// is "not checked", never an error.
/// </summary>
public sealed partial class ConnectionValidator(
    AwsClientFactory clients,
    CredentialResolver resolver,
    ICostAndUsageReportClient curApi,
    IIdentityManagementClient iam,
    ICloudWatchClient cloudWatch,
    TimeProvider time,
    ILogger<ConnectionValidator> logger)
{
    public const string Billing = "billing";
    public const string CurApi = "cur-api";

    /// <summary>The discovery features, as <c>DataSourceSettings.DisabledFeatures</c> names them.</summary>
    public static readonly IReadOnlyList<string> DiscoveryFeatures = ["ec2", "s3", "iam", "cloudwatch"];

    private static readonly HashSet<string> RejectedCodes = new(StringComparer.OrdinalIgnoreCase)
    {
        "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidClientTokenId", "UnrecognizedClientException",
        "AuthFailure", "ExpiredToken", "ExpiredTokenException", "InvalidToken", "IncompleteSignature",
    };

    private static readonly HashSet<string> DeniedCodes = new(StringComparer.OrdinalIgnoreCase)
    {
        "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "Forbidden",
    };

    public async Task<ValidationReport> ValidateAsync(ConnectionTarget target, CancellationToken cancellationToken)
    {
        var checks = new List<PermissionCheck>();
        var warnings = new List<string>();
        var checkedAt = time.GetUtcNow();
        var bucketArn = $"arn:aws:s3:::{target.Bucket}";

        ResolvedCredentials resolved;
        try
        {
            resolved = await resolver.ResolveAsync(target.Credentials, "digiusher-validation", cancellationToken);
        }
        catch (AmazonServiceException ex)
        {
            return Refused(checkedAt, ValidationReport.RoleNotAssumable, checks, warnings,
                $"DigiUsher could not assume the role ({ex.ErrorCode}: {ex.Message}). Check the role's trust policy names DigiUsher's principal and the external id.");
        }
        catch (AmazonClientException ex)
        {
            return Refused(checkedAt, ValidationReport.RoleNotAssumable, checks, warnings,
                $"DigiUsher could not call STS to assume the role: {ex.Message}");
        }

        var credentials = resolved.Credentials;

        // sts:GetCallerIdentity needs no permission on AWS (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html),
        // so it tells wrong keys from missing permissions before anything else.
        string? callerAccount = null;
        string? callerArn = null;
        using (var sts = resolver.CreateSts(credentials))
        {
            try
            {
                var identity = await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), cancellationToken);
                callerAccount = identity.Account;
                callerArn = identity.Arn;
            }
            catch (AmazonServiceException ex) when (RejectedCodes.Contains(ex.ErrorCode ?? string.Empty))
            {
                return Refused(checkedAt, ValidationReport.CredentialsRejected, checks, warnings, CredentialsRejectedMessage(ex));
            }
            catch (AmazonServiceException ex)
            {
                LogCallerIdentityFailed(logger, ex.ErrorCode ?? "unknown");
            }
            catch (AmazonClientException ex)
            {
                LogCallerIdentityFailed(logger, ex.GetType().Name);
            }
        }

        using var s3 = clients.CreateS3(credentials, target.Region);
        string? bucketRegion = null;
        try
        {
            var location = await s3.GetBucketLocationAsync(new GetBucketLocationRequest { BucketName = target.Bucket }, cancellationToken);
            bucketRegion = NormalizeRegion(location.Location?.Value);
            checks.Add(new PermissionCheck("s3:GetBucketLocation", Billing, bucketArn, PermissionStatus.Ok, null));
        }
        catch (AmazonS3Exception ex) when (RejectedCodes.Contains(ex.ErrorCode ?? string.Empty))
        {
            return Refused(checkedAt, ValidationReport.CredentialsRejected, checks, warnings, CredentialsRejectedMessage(ex));
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode == "NoSuchBucket")
        {
            return Refused(checkedAt, ValidationReport.BucketNotFound, checks, warnings, $"The bucket '{target.Bucket}' does not exist.");
        }
        catch (AmazonServiceException ex)
        {
            checks.Add(Failed("s3:GetBucketLocation", Billing, bucketArn, ex));
        }
        catch (AmazonClientException ex)
        {
            checks.Add(new PermissionCheck("s3:GetBucketLocation", Billing, bucketArn, PermissionStatus.NotChecked, ex.Message));
        }

        // Listing and reading the reports (the scan also finds the manifests when the CUR API cannot).
        IReadOnlyList<FoundManifest> manifests = [];
        var listPrefix = target.Prefix.Length == 0 ? string.Empty : target.Prefix.TrimEnd('/') + "/";
        try
        {
            (manifests, var truncated) = await ManifestScan.ListAsync(s3, target.Bucket, target.Prefix, cancellationToken);
            checks.Add(new PermissionCheck("s3:ListBucket", Billing, bucketArn, PermissionStatus.Ok, null));
            if (truncated)
            {
                warnings.Add($"Only the first {ManifestScan.MaxPages * 1000} keys under the prefix were scanned for report manifests.");
            }
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode == "NoSuchBucket")
        {
            return Refused(checkedAt, ValidationReport.BucketNotFound, checks, warnings, $"The bucket '{target.Bucket}' does not exist.");
        }
        catch (AmazonServiceException ex) when (RejectedCodes.Contains(ex.ErrorCode ?? string.Empty))
        {
            return Refused(checkedAt, ValidationReport.CredentialsRejected, checks, warnings, CredentialsRejectedMessage(ex));
        }
        catch (AmazonServiceException ex)
        {
            checks.Add(Failed("s3:ListBucket", Billing, bucketArn, ex));
        }
        catch (AmazonClientException ex)
        {
            checks.Add(new PermissionCheck("s3:ListBucket", Billing, bucketArn, PermissionStatus.NotChecked, ex.Message));
        }

        var newest = manifests.OrderByDescending(m => m.LastModified).FirstOrDefault();
        var probeKey = newest?.Key ?? listPrefix + "digiusher-permission-probe";
        ManifestSummary? newestSummary = null;
        try
        {
            using var response = await s3.GetObjectAsync(new GetObjectRequest { BucketName = target.Bucket, Key = probeKey }, cancellationToken);
            if (newest is not null)
            {
                using var limited = new MemoryStream();
                await response.ResponseStream.CopyToAsync(limited, cancellationToken);
                limited.Position = 0;
                newestSummary = TrySummarize(limited, newest.Key, warnings);
            }

            checks.Add(new PermissionCheck("s3:GetObject", Billing, $"{bucketArn}/{listPrefix}*", PermissionStatus.Ok, null));
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode == "NoSuchKey")
        {
            checks.Add(new PermissionCheck("s3:GetObject", Billing, $"{bucketArn}/{listPrefix}*", PermissionStatus.Ok, null));
        }
        catch (AmazonServiceException ex)
        {
            checks.Add(Failed("s3:GetObject", Billing, $"{bucketArn}/{listPrefix}*", ex));
        }
        catch (AmazonClientException ex)
        {
            checks.Add(new PermissionCheck("s3:GetObject", Billing, $"{bucketArn}/{listPrefix}*", PermissionStatus.NotChecked, ex.Message));
        }

        var reports = new List<DetectedReport>();
        checks.Add(await CheckCurApiAsync(credentials, target, reports, cancellationToken));
        reports.AddRange(manifests
            .GroupBy(m => (m.ReportName, m.Prefix))
            .Select(g => g.OrderByDescending(m => m.LastModified).First())
            .Where(m => !reports.Any(r => r.Name == m.ReportName))
            .Select(m => new DetectedReport(
                m.ReportName,
                "manifest",
                m.Layout == "cur2" ? "cur2" : m == newest ? newestSummary?.Format ?? Format(m.Layout) : Format(m.Layout),
                null,
                m == newest ? newestSummary?.ResourceIdsIncluded : null,
                m.Prefix,
                m.Key,
                m.LastModified)));
        reports = [.. reports.OrderByDescending(r => r.Compatible == true).ThenByDescending(r => r.LatestDeliveryAt).ThenBy(r => r.Name, StringComparer.Ordinal)];

        await CheckDiscoveryAsync(credentials, s3, target, bucketRegion, callerArn, resolved.AccessKeyId, checks, cancellationToken);

        var reportName = ChooseReport(target.ReportName, reports, warnings);
        var payerAccount = newestSummary?.Account ?? callerAccount;
        var missing = checks.Where(c => c.Status == PermissionStatus.Denied).Select(c => c.Action).Distinct().ToList();
        var billingAccess = checks.Where(c => c.Feature == Billing).All(c => c.Status == PermissionStatus.Ok);
        var disabled = DiscoveryFeatures.Where(f => checks.Any(c => c.Feature == f && c.Status == PermissionStatus.Denied)).ToList();
        foreach (var feature in disabled)
        {
            warnings.Add($"Discovery of {feature} is off: the policy lacks {string.Join(", ", checks.Where(c => c.Feature == feature && c.Status == PermissionStatus.Denied).Select(c => c.Action))}.");
        }

        if (reports.Count == 0)
        {
            warnings.Add("No Cost and Usage Report was found under the bucket and prefix yet; AWS delivers the first report up to 24 hours after it is created.");
        }

        var billingChecks = checks.Where(c => c.Feature == Billing && c.Status != PermissionStatus.Ok).ToList();
        var error = billingAccess
            ? null
            : $"The credentials cannot read the billing bucket: {string.Join(", ", billingChecks.Select(c => $"{c.Action} on {c.Resource} ({(c.Status == PermissionStatus.Denied ? "denied" : c.Detail)})"))}.";
        return new ValidationReport(
            checkedAt,
            billingAccess ? ValidationReport.Ok : ValidationReport.BillingAccessDenied,
            billingAccess,
            payerAccount,
            payerAccount is null ? null : newestSummary?.Account is not null ? "manifest" : "sts",
            bucketRegion,
            reportName,
            reports,
            checks,
            missing,
            disabled,
            warnings,
            error);
    }

    private async Task<PermissionCheck> CheckCurApiAsync(AWSCredentials credentials, ConnectionTarget target, List<DetectedReport> reports, CancellationToken cancellationToken)
    {
        const string action = "cur:DescribeReportDefinitions";
        try
        {
            var definitions = await curApi.DescribeReportDefinitionsAsync(credentials, cancellationToken);
            var prefix = target.Prefix.TrimEnd('/');
            reports.AddRange(definitions
                .Where(d => d.S3Bucket == target.Bucket && (prefix.Length == 0 || d.S3Prefix.TrimEnd('/') == prefix))
                .Select(d => new DetectedReport(d.ReportName, "cur-api", d.Format, d.TimeUnit, d.IsCompatible, d.S3Prefix, null, null)));
            return new PermissionCheck(action, CurApi, "*", PermissionStatus.Ok, null);
        }
        catch (CostAndUsageReportException ex) when (ex.Failure == CostAndUsageReportFailure.AccessDenied)
        {
            return new PermissionCheck(action, CurApi, "*", PermissionStatus.Denied, "Report definitions are found by scanning the bucket instead.");
        }
        catch (CostAndUsageReportException ex)
        {
            return new PermissionCheck(action, CurApi, "*", PermissionStatus.NotChecked,
                $"The CUR API could not be asked ({ex.Failure}); report definitions are found by scanning the bucket instead.");
        }
    }

    private async Task CheckDiscoveryAsync(
        AWSCredentials credentials,
        IAmazonS3 s3,
        ConnectionTarget target,
        string? bucketRegion,
        string? callerArn,
        string accessKeyId,
        List<PermissionCheck> checks,
        CancellationToken cancellationToken)
    {
        var region = bucketRegion ?? target.Region ?? clients.Options.DefaultRegion;
        using var ec2 = clients.CreateEc2(credentials, region);
        var bucketArn = $"arn:aws:s3:::{target.Bucket}";
        var userName = callerArn is { } arn && arn.Contains(":user/", StringComparison.Ordinal) ? arn[(arn.LastIndexOf('/') + 1)..] : null;

        // The probes are independent reads: run them together so validation takes one round trip per API, not twenty.
        var probes = new List<Task<PermissionCheck>>
        {
            ProbeAsync("ec2:DescribeRegions", "ec2", "*", () => ec2.DescribeRegionsAsync(new DescribeRegionsRequest(), cancellationToken)),
            ProbeAsync("ec2:DescribeInstances", "ec2", "*", () => ec2.DescribeInstancesAsync(new DescribeInstancesRequest { MaxResults = 5 }, cancellationToken)),
            ProbeAsync("ec2:DescribeVolumes", "ec2", "*", () => ec2.DescribeVolumesAsync(new DescribeVolumesRequest { MaxResults = 5 }, cancellationToken)),
            ProbeAsync("ec2:DescribeSnapshots", "ec2", "*", () => ec2.DescribeSnapshotsAsync(new DescribeSnapshotsRequest { OwnerIds = ["self"], MaxResults = 5 }, cancellationToken)),
            ProbeAsync("ec2:DescribeAddresses", "ec2", "*", () => ec2.DescribeAddressesAsync(new DescribeAddressesRequest(), cancellationToken)),
            ProbeAsync("s3:ListAllMyBuckets", "s3", "*", () => s3.ListBucketsAsync(new ListBucketsRequest(), cancellationToken)),
            ProbeAsync("s3:GetBucketTagging", "s3", bucketArn, () => s3.GetBucketTaggingAsync(new GetBucketTaggingRequest { BucketName = target.Bucket }, cancellationToken), "NoSuchTagSet"),
            ProbeAsync("s3:GetBucketAcl", "s3", bucketArn, () => s3.GetBucketAclAsync(new GetBucketAclRequest { BucketName = target.Bucket }, cancellationToken)),
            ProbeAsync("s3:GetBucketPublicAccessBlock", "s3", bucketArn, () => s3.GetPublicAccessBlockAsync(new GetPublicAccessBlockRequest { BucketName = target.Bucket }, cancellationToken), "NoSuchPublicAccessBlockConfiguration"),
            ProbeAsync("s3:GetBucketPolicyStatus", "s3", bucketArn, () => s3.GetBucketPolicyStatusAsync(new GetBucketPolicyStatusRequest { BucketName = target.Bucket }, cancellationToken), "NoSuchBucketPolicy"),
            IamProbeAsync("iam:ListUsers", () => iam.ListUsersAsync(credentials, new ListUsersRequest(MaxItems: 1), cancellationToken)),
        };
        if (userName is null)
        {
            // An assumed role has no user of its own to ask about; these two need a user name.
            probes.Add(Task.FromResult(new PermissionCheck("iam:ListAccessKeys", "iam", "*", PermissionStatus.NotChecked, "The credentials are not an IAM user's; there is no user to list keys of.")));
            probes.Add(Task.FromResult(new PermissionCheck("iam:GetLoginProfile", "iam", "*", PermissionStatus.NotChecked, "The credentials are not an IAM user's.")));
        }
        else
        {
            probes.Add(IamProbeAsync("iam:ListAccessKeys", () => iam.ListAccessKeysAsync(credentials, new ListAccessKeysRequest(userName, MaxItems: 1), cancellationToken)));
            probes.Add(IamProbeAsync("iam:GetLoginProfile", () => iam.GetLoginProfileAsync(credentials, userName, cancellationToken)));
        }

        probes.Add(IamProbeAsync("iam:GetAccessKeyLastUsed", () => iam.GetAccessKeyLastUsedAsync(credentials, accessKeyId, cancellationToken)));
        probes.Add(CpuProbeAsync(credentials, region, cancellationToken));
        checks.AddRange(await Task.WhenAll(probes));
    }

    private async Task<PermissionCheck> CpuProbeAsync(AWSCredentials credentials, string region, CancellationToken cancellationToken)
    {
        const string cpu = "cloudwatch:GetMetricStatistics";
        try
        {
            var now = time.GetUtcNow();
            await cloudWatch.GetMetricStatisticsAsync(credentials, region, new GetMetricStatisticsRequest(
                "AWS/EC2", "CPUUtilization", [], now.AddHours(-2), now, 3600, ["Average"]), cancellationToken);
            return new PermissionCheck(cpu, "cloudwatch", "*", PermissionStatus.Ok, null);
        }
        catch (CloudWatchException ex)
        {
            return new PermissionCheck(cpu, "cloudwatch", "*",
                ex.Failure == CloudWatchFailure.AccessDenied ? PermissionStatus.Denied : PermissionStatus.NotChecked, $"{ex.ErrorCode}: {ex.Message}");
        }
        catch (HttpRequestException ex)
        {
            return new PermissionCheck(cpu, "cloudwatch", "*", PermissionStatus.NotChecked, ex.Message);
        }
    }

    private static async Task<PermissionCheck> IamProbeAsync(string action, Func<Task> call)
    {
        try
        {
            await call();
            return new PermissionCheck(action, "iam", "*", PermissionStatus.Ok, null);
        }
        catch (IdentityManagementException ex) when (ex.Failure == IdentityManagementFailure.NoSuchEntity)
        {
            return new PermissionCheck(action, "iam", "*", PermissionStatus.Ok, null);
        }
        catch (IdentityManagementException ex)
        {
            return new PermissionCheck(action, "iam", "*",
                ex.Failure == IdentityManagementFailure.AccessDenied ? PermissionStatus.Denied : PermissionStatus.NotChecked, $"{ex.ErrorCode}: {ex.Message}");
        }
        catch (HttpRequestException ex)
        {
            return new PermissionCheck(action, "iam", "*", PermissionStatus.NotChecked, ex.Message);
        }
    }

    private static async Task<PermissionCheck> ProbeAsync(string action, string feature, string resource, Func<Task> call, params string[] notFoundCodes)
    {
        try
        {
            await call();
            return new PermissionCheck(action, feature, resource, PermissionStatus.Ok, null);
        }
        catch (AmazonServiceException ex) when (notFoundCodes.Contains(ex.ErrorCode))
        {
            return new PermissionCheck(action, feature, resource, PermissionStatus.Ok, null);
        }
        catch (AmazonServiceException ex)
        {
            return Failed(action, feature, resource, ex);
        }
        catch (AmazonClientException ex)
        {
            return new PermissionCheck(action, feature, resource, PermissionStatus.NotChecked, ex.Message);
        }
    }

    private static PermissionCheck Failed(string action, string feature, string resource, AmazonServiceException ex) =>
        DeniedCodes.Contains(ex.ErrorCode ?? string.Empty) || (ex.StatusCode == System.Net.HttpStatusCode.Forbidden && !RejectedCodes.Contains(ex.ErrorCode ?? string.Empty))
            ? new PermissionCheck(action, feature, resource, PermissionStatus.Denied, $"{ex.ErrorCode}: {ex.Message}")
            : new PermissionCheck(action, feature, resource, PermissionStatus.NotChecked, $"{ex.ErrorCode}: {ex.Message}");

    private static string? ChooseReport(string? given, List<DetectedReport> reports, List<string> warnings)
    {
        if (given is not null)
        {
            if (reports.Count > 0 && !reports.Any(r => r.Name == given))
            {
                warnings.Add($"No report named '{given}' was found; found: {string.Join(", ", reports.Select(r => r.Name).Distinct())}.");
            }

            if (reports.FirstOrDefault(r => r.Name == given) is { Compatible: false })
            {
                warnings.Add($"The report '{given}' lacks resource ids or is monthly: costs cannot be linked to resources or days.");
            }

            return given;
        }

        var compatible = reports.Where(r => r.Compatible != false).ToList();
        if (reports.Count > 0 && compatible.Count == 0)
        {
            warnings.Add("No compatible report was found: enable 'Include resource IDs' and hourly or daily granularity.");
        }

        if (compatible.Select(r => r.Name).Distinct().Count() > 1)
        {
            warnings.Add($"Several reports were found ({string.Join(", ", compatible.Select(r => r.Name).Distinct())}); '{compatible[0].Name}' was chosen. Set reportName to choose another.");
        }

        return compatible.FirstOrDefault()?.Name;
    }

    private static ManifestSummary? TrySummarize(Stream json, string key, List<string> warnings)
    {
        try
        {
            return ManifestScan.Summarize(json);
        }
        catch (System.Text.Json.JsonException)
        {
            warnings.Add($"The manifest '{key}' is not valid JSON.");
            return null;
        }
    }

    private static string Format(string layout) => layout switch
    {
        "legacy-parquet" => "Parquet",
        "cur2" => "cur2",
        _ => "textORcsv",
    };

    // GetBucketLocation answers an empty constraint for us-east-1 and "EU" for the oldest eu-west-1
    // buckets (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLocation.html).
    private static string NormalizeRegion(string? constraint) => constraint switch
    {
        null or "" => "us-east-1",
        "EU" => "eu-west-1",
        _ => constraint,
    };

    private static string CredentialsRejectedMessage(AmazonServiceException ex) => ex.ErrorCode switch
    {
        "SignatureDoesNotMatch" => "AWS rejected the secret access key (SignatureDoesNotMatch): it does not belong to this access key id.",
        "InvalidAccessKeyId" or "InvalidClientTokenId" or "UnrecognizedClientException" => $"AWS does not know this access key id ({ex.ErrorCode}): it is wrong, deleted or inactive.",
        _ => $"AWS rejected the credentials ({ex.ErrorCode}).",
    };

    private static ValidationReport Refused(DateTimeOffset checkedAt, string outcome, List<PermissionCheck> checks, List<string> warnings, string error) =>
        new(checkedAt, outcome, false, null, null, null, null, [], checks, [], [], warnings, error);

    [LoggerMessage(Level = LogLevel.Information, Message = "sts:GetCallerIdentity failed with {ErrorCode}; the payer account comes from the manifest")]
    private static partial void LogCallerIdentityFailed(ILogger logger, string errorCode);
}

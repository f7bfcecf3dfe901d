using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SecurityToken.Model;
using DigiUsher.Aws;
using DigiUsher.Aws.CloudWatch;
using DigiUsher.Aws.CostAndUsageReport;
using DigiUsher.Aws.IdentityManagement;
using DigiUsher.Aws.Organizations;
using DigiUsher.Aws.S3;
using DigiUsher.Cur.Layout;
using DigiUsher.Cur.Manifests;

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
    IOrganizationsClient organizations,
    TimeProvider time,
    ILogger<ConnectionValidator> logger)
{
    public const string Billing = "billing";
    public const string CurApi = "cur-api";

    /// <summary>Pages of 1,000 keys a validation lists at most; the poller does the exhaustive walk.</summary>
    public const int MaxListingPages = 10;

    /// <summary>The discovery features, as <c>DataSourceSettings.DisabledFeatures</c> names them.</summary>
    public static readonly IReadOnlyList<string> DiscoveryFeatures = ["ec2", "s3", "iam", "cloudwatch", Connections.DiscoveryProbes.Organizations];

    public async Task<ValidationReport> ValidateAsync(ConnectionTarget target, CancellationToken cancellationToken)
    {
        var run = new ValidationRun(target, time.GetUtcNow());
        try
        {
            var resolved = await AssumeAsync(target, cancellationToken);
            var caller = await CallerIdentityAsync(resolved.Credentials, cancellationToken);
            using var s3 = clients.CreateS3(resolved.Credentials, target.Region);
            var billing = await CheckBillingAsync(run, s3, cancellationToken);
            var reports = await DetectReportsAsync(run, resolved.Credentials, billing, cancellationToken);
            var region = billing.BucketRegion ?? target.Region ?? clients.Options.DefaultRegion;
            var userName = caller.Arn is { } arn && arn.Contains(":user/", StringComparison.Ordinal) ? arn[(arn.LastIndexOf('/') + 1)..] : null;
            await CheckDiscoveryAsync(run, s3, new DiscoveryProbeTarget(resolved.Credentials, resolved.AccessKeyId, userName, target.Bucket, region, run.CheckedAt), cancellationToken);
            return run.Report(billing, reports, billing.Summary?.Account ?? caller.Account);
        }
        catch (ValidationRefusedException refused)
        {
            return run.Refused(refused.Outcome, refused.Message);
        }
    }

    /// <summary>
    /// Validates an <c>aws-linked</c> account: its credentials work (STS names the account), the account is
    /// a member of the root's organization and not the payer itself (by the root's
    /// <c>organizations:ListAccounts</c>, when it may call it; else a warning says it was not checked), and
    /// which discovery permissions it has. There is no bucket: its costs are in the payer's CUR.
    /// </summary>
    public async Task<ValidationReport> ValidateLinkedAsync(LinkedTarget target, CancellationToken cancellationToken)
    {
        var run = new ValidationRun(new ConnectionTarget(target.Credentials, string.Empty, string.Empty, null, target.Region), time.GetUtcNow());
        try
        {
            var resolved = await AssumeAsync(run.Target, cancellationToken);
            var caller = await CallerIdentityAsync(resolved.Credentials, cancellationToken);
            if (caller.Account is not { } account)
            {
                return run.Refused(ValidationReport.CredentialsRejected, "sts:GetCallerIdentity did not answer: the member account the credentials belong to cannot be told.");
            }

            if (target.ExpectedAccountId is { } expected && account != expected)
            {
                return run.Refused(ValidationReport.AnotherAccount,
                    $"The credentials belong to account {account}, but this data source links account {expected}; connect another account as a data source of its own.");
            }

            var (root, rootAccount) = await RootAsync(run, target.Root, cancellationToken);
            if (account == target.PayerAccountId || account == rootAccount)
            {
                return run.Refused(ValidationReport.NotAMember, $"Account {account} is the payer account itself, already connected as the root data source; link a member account.");
            }

            if (await MembershipProblemAsync(run, target.RootListsAccounts ? root : null, account, cancellationToken) is { } problem)
            {
                return run.Refused(ValidationReport.NotAMember, problem);
            }

            using var s3 = clients.CreateS3(resolved.Credentials, target.Region);
            var userName = caller.Arn is { } arn && arn.Contains(":user/", StringComparison.Ordinal) ? arn[(arn.LastIndexOf('/') + 1)..] : null;
            await CheckDiscoveryAsync(run, s3, new DiscoveryProbeTarget(resolved.Credentials, resolved.AccessKeyId, userName, string.Empty, target.Region, run.CheckedAt), cancellationToken);
            return run.Linked(account);
        }
        catch (ValidationRefusedException refused)
        {
            return run.Refused(refused.Outcome, refused.Message);
        }
    }

    /// <summary>The root's credentials and account (STS), or nulls when they no longer work: a warning then says what was not checked.</summary>
    private async Task<(ResolvedCredentials? Credentials, string? Account)> RootAsync(ValidationRun run, ConnectionCredentials? root, CancellationToken cancellationToken)
    {
        if (root is null)
        {
            return (null, null);
        }

        try
        {
            var resolved = await resolver.ResolveAsync(root, "digiusher-validation", cancellationToken);
            using var sts = resolver.CreateSts(resolved.Credentials);
            return (resolved, (await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), cancellationToken)).Account);
        }
        catch (Exception ex) when (ex is AmazonServiceException or AmazonClientException)
        {
            run.Warnings.Add($"The root data source's credentials did not work ({ex.Message}): whether the account is its payer or a member of its organization was not checked.");
            return (null, null);
        }
    }

    /// <summary>Why <paramref name="account"/> is not a member of the root's organization; null when it is, or when that cannot be told (a warning then).</summary>
    private async Task<string?> MembershipProblemAsync(ValidationRun run, ResolvedCredentials? root, string account, CancellationToken cancellationToken)
    {
        if (root is null)
        {
            run.Warnings.Add("The root data source may not call organizations:ListAccounts, so membership of its organization was not checked.");
            return null;
        }

        try
        {
            var members = await organizations.ListAllAccountsAsync(root.Credentials, cancellationToken);
            return members.Any(m => m.Id == account) ? null
                : $"Account {account} is not a member of the root data source's AWS Organization ({members.Count} accounts listed by organizations:ListAccounts).";
        }
        catch (Exception ex) when (ex is OrganizationsException or AmazonServiceException or AmazonClientException)
        {
            run.Warnings.Add($"Membership of the root's organization was not checked: {ex.Message}");
            return null;
        }
    }

    private async Task<ResolvedCredentials> AssumeAsync(ConnectionTarget target, CancellationToken cancellationToken)
    {
        ResolvedCredentials resolved;
        try
        {
            resolved = await resolver.ResolveAsync(target.Credentials, "digiusher-validation", cancellationToken);
        }
        catch (AmazonServiceException ex)
        {
            var externalId = (target.Credentials as ConnectionCredentials.Role)?.ExternalId;
            throw new ValidationRefusedException(ValidationReport.RoleNotAssumable,
                $"DigiUsher could not assume the role ({ex.ErrorCode}: {ex.Message}). The role's trust policy must allow DigiUsher's principal "
                + $"({await resolver.PrincipalArnAsync(cancellationToken) ?? "see the connection guide"}) to call sts:AssumeRole with the condition sts:ExternalId = '{externalId}'.");
        }
        catch (AmazonClientException ex)
        {
            throw new ValidationRefusedException(ValidationReport.RoleNotAssumable, $"DigiUsher could not call STS to assume the role: {ex.Message}");
        }

        if (target.Credentials is ConnectionCredentials.Role role && resolver.RequireExternalIdCondition
            && await resolver.AssumableWithoutExternalIdAsync(role.RoleArn, cancellationToken))
        {
            throw new ValidationRefusedException(ValidationReport.ExternalIdNotRequired,
                $"The role's trust policy lets DigiUsher assume it without the external id, so anyone who knows the role's ARN could connect it to DigiUsher. "
                + $"Add the condition \"StringEquals\": {{\"sts:ExternalId\": \"{role.ExternalId}\"}} to the statement that trusts DigiUsher.");
        }

        return resolved;
    }

    /// <summary>
    /// sts:GetCallerIdentity needs no permission on AWS (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html),
    /// so it tells wrong keys from missing permissions before anything else.
    /// </summary>
    private async Task<(string? Account, string? Arn)> CallerIdentityAsync(AWSCredentials credentials, CancellationToken cancellationToken)
    {
        using var sts = resolver.CreateSts(credentials);
        try
        {
            var identity = await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), cancellationToken);
            return (identity.Account, identity.Arn);
        }
        catch (Exception ex) when (ProbeFailure.Of(ex) is { } failure)
        {
            RefuseRejectedCredentials(failure);
            LogCallerIdentityFailed(logger, failure.Code ?? ex.GetType().Name);
            return (null, null);
        }
    }

    /// <summary>s3:GetBucketLocation, s3:ListBucket (which also finds the manifests) and s3:GetObject (which reads the newest).</summary>
    private static async Task<BillingAccess> CheckBillingAsync(ValidationRun run, IAmazonS3 s3, CancellationToken cancellationToken)
    {
        var target = run.Target;
        var bucketArn = $"arn:aws:s3:::{target.Bucket}";
        var folder = target.Prefix.Length == 0 ? string.Empty : target.Prefix.TrimEnd('/') + "/";
        string? region = null;
        S3ListingPage listing = new([], false);
        byte[]? newestManifest = null;

        await RunBillingProbeAsync(run, BillingProbe("s3:GetBucketLocation", bucketArn, async ct =>
            region = NormalizeRegion((await s3.GetBucketLocationAsync(new GetBucketLocationRequest { BucketName = target.Bucket }, ct)).Location?.Value)), cancellationToken);
        await RunBillingProbeAsync(run, BillingProbe("s3:ListBucket", bucketArn, async ct =>
            listing = await S3Listing.ListAsync(s3, target.Bucket, folder, MaxListingPages, ct)), cancellationToken);
        if (listing.Truncated)
        {
            run.Warnings.Add($"Only the first {MaxListingPages * 1000} keys under the prefix were scanned for report manifests.");
        }

        var manifests = CurCatalog.PeriodManifests(listing.Objects.Select(o => new CurObject(o.Key, o.Size, o.ETag, o.LastModified)), target.Prefix);
        var newest = manifests.OrderByDescending(m => m.Object.LastModified).FirstOrDefault();
        await RunBillingProbeAsync(run, BillingProbe("s3:GetObject", $"{bucketArn}/{folder}*", async ct =>
        {
            using var response = await s3.GetObjectAsync(new GetObjectRequest { BucketName = target.Bucket, Key = newest?.Object.Key ?? folder + "digiusher-permission-probe" }, ct);
            using var buffer = new MemoryStream();
            await response.ResponseStream.CopyToAsync(buffer, ct);
            newestManifest = newest is null ? null : buffer.ToArray();
        }, absentMeansAllowed: true), cancellationToken);
        return new BillingAccess(region, manifests, newest, newestManifest is null ? null : TrySummarize(run, newestManifest, newest!.Object.Key));
    }

    /// <summary>A billing probe that AWS answers with "wrong keys" or "no such bucket" refuses the connection.</summary>
    private static async Task RunBillingProbeAsync(ValidationRun run, PermissionProbe probe, CancellationToken cancellationToken)
    {
        var (check, failure) = await probe.TryAsync(cancellationToken);
        if (failure is not null)
        {
            RefuseRejectedCredentials(failure);
            if (failure.Code == "NoSuchBucket" && probe.Action != "s3:GetObject")
            {
                throw new ValidationRefusedException(ValidationReport.BucketNotFound, $"The bucket '{run.Target.Bucket}' does not exist.");
            }
        }

        run.Checks.Add(check);
    }

    private async Task<List<DetectedReport>> DetectReportsAsync(ValidationRun run, AWSCredentials credentials, BillingAccess billing, CancellationToken cancellationToken)
    {
        var reports = new List<DetectedReport>();
        run.Checks.Add(await CheckCurApiAsync(credentials, run.Target, reports, cancellationToken));
        reports.AddRange(billing.Manifests
            .GroupBy(m => (m.Key.ReportName, m.Key.ReportPrefix))
            .Select(g => g.OrderByDescending(m => m.Object.LastModified).First())
            .Where(m => !reports.Any(r => r.Name == m.Key.ReportName))
            .Select(m => FromManifest(m, m == billing.Newest ? billing.Summary : null)));
        return [.. reports.OrderByDescending(r => r.Compatible == true).ThenByDescending(r => r.LatestDeliveryAt).ThenBy(r => r.Name, StringComparer.Ordinal)];
    }

    private static DetectedReport FromManifest(CurListedObject manifest, ManifestSummary? summary) => new(
        manifest.Key.ReportName,
        "manifest",
        manifest.Key.Layout == CurLayoutKind.DataExport ? "cur2" : summary?.Compression ?? Format(manifest.Key.Layout),
        null,
        summary?.ResourceIdsIncluded,
        manifest.Key.ReportPrefix,
        manifest.Object.Key,
        manifest.Object.LastModified);

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
            return new PermissionCheck(action, CurApi, "*", PermissionStatus.Denied, "Report definitions are found by scanning the bucket instead.",
                $"Allow {action} to the data source's IAM identity to find reports by name.");
        }
        catch (CostAndUsageReportException ex)
        {
            return new PermissionCheck(action, CurApi, "*", PermissionStatus.NotChecked,
                $"The CUR API could not be asked ({ex.Failure}); report definitions are found by scanning the bucket instead.");
        }
    }

    /// <summary>The probes are independent reads: run together, validation takes one round trip per API, not twenty.</summary>
    private async Task CheckDiscoveryAsync(ValidationRun run, IAmazonS3 s3, DiscoveryProbeTarget target, CancellationToken cancellationToken)
    {
        using var ec2 = clients.CreateEc2(target.Credentials, target.Region);
        var probes = DiscoveryProbes.For(target, ec2, s3, iam, cloudWatch, organizations);
        run.Checks.AddRange(await Task.WhenAll(probes.Select(p => DiscoveryProbes.WhyNotAsked(p, target) is { } why
            ? Task.FromResult(p.NotChecked(why))
            : p.RunAsync(cancellationToken))));
    }

    private static void RefuseRejectedCredentials(ProbeFailure failure)
    {
        if (failure.Kind.IsCredentialsRejected())
        {
            throw new ValidationRefusedException(ValidationReport.CredentialsRejected, failure.Code switch
            {
                "SignatureDoesNotMatch" => "AWS rejected the secret access key (SignatureDoesNotMatch): it does not belong to this access key id.",
                "InvalidAccessKeyId" or "InvalidClientTokenId" or "UnrecognizedClientException" => $"AWS does not know this access key id ({failure.Code}): it is wrong, deleted or inactive.",
                _ => $"AWS rejected the credentials ({failure.Code}).",
            });
        }
    }

    private static PermissionProbe BillingProbe(string action, string resource, Func<CancellationToken, Task> call, bool absentMeansAllowed = false) =>
        new(action, Billing, resource, $"Allow {action} on {resource} to the data source's IAM identity, and in the bucket policy if it has one.", call, absentMeansAllowed);

    private static ManifestSummary? TrySummarize(ValidationRun run, byte[] json, string key)
    {
        try
        {
            return ManifestParser.Summarize(json, key);
        }
        catch (ManifestFormatException)
        {
            run.Warnings.Add($"The manifest '{key}' is not valid JSON.");
            return null;
        }
    }

    private static string Format(CurLayoutKind layout) => layout switch
    {
        CurLayoutKind.LegacyParquet => "Parquet",
        CurLayoutKind.DataExport => "cur2",
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

    [LoggerMessage(Level = LogLevel.Information, Message = "sts:GetCallerIdentity failed with {ErrorCode}; the payer account comes from the manifest")]
    private static partial void LogCallerIdentityFailed(ILogger logger, string errorCode);

    private sealed class ValidationRefusedException(string outcome, string message) : Exception(message)
    {
        public string Outcome { get; } = outcome;
    }
}

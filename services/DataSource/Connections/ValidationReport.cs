namespace DigiUsher.DataSource.Connections;

/// <summary>Outcome of one permission probe.</summary>
public enum PermissionStatus
{
    /// <summary>AWS allowed the call.</summary>
    Ok,

    /// <summary>AWS denied the call: the policy lacks this action.</summary>
    Denied,

    /// <summary>The API could not be reached or answered otherwise; says nothing about the policy.</summary>
    NotChecked,
}

/// <summary>One permission of the connection guide and what AWS said about it.</summary>
/// <param name="Action">The IAM action, e.g. <c>s3:GetObject</c>.</param>
/// <param name="Feature"><c>billing</c> (required), <c>cur-api</c>, or the discovery feature it enables (<c>ec2</c>, <c>s3</c>, <c>iam</c>, <c>cloudwatch</c>).</param>
/// <param name="Resource">The resource it was checked on.</param>
/// <param name="Status">ok, denied or notChecked.</param>
/// <param name="Detail">AWS's error code and message, or why it was not checked.</param>
/// <param name="Fix">When denied: what to allow, and where.</param>
public sealed record PermissionCheck(string Action, string Feature, string Resource, PermissionStatus Status, string? Detail, string? Fix = null);

/// <summary>A Cost and Usage Report found for the bucket.</summary>
/// <param name="Name">Report (or export) name.</param>
/// <param name="Source"><c>cur-api</c> (its definition) or <c>manifest</c> (found by scanning the bucket).</param>
/// <param name="Format">textORcsv, Parquet or cur2, as far as known.</param>
/// <param name="TimeUnit">HOURLY, DAILY or MONTHLY where the CUR API told.</param>
/// <param name="Compatible">Resource ids included and hourly or daily; null when the source cannot tell.</param>
/// <param name="Prefix">The report's path prefix in the bucket.</param>
/// <param name="LatestManifestKey">The newest manifest seen.</param>
/// <param name="LatestDeliveryAt">When that manifest was written.</param>
public sealed record DetectedReport(
    string Name,
    string Source,
    string? Format,
    string? TimeUnit,
    bool? Compatible,
    string? Prefix,
    string? LatestManifestKey,
    DateTimeOffset? LatestDeliveryAt);

/// <summary>What validating a data source's connection found.</summary>
/// <param name="CheckedAt">When.</param>
/// <param name="Outcome"><c>ok</c>, <c>billing-access-denied</c>, <c>credentials-rejected</c>, <c>bucket-not-found</c>, <c>role-not-assumable</c>, <c>external-id-not-required</c> (the role's trust policy lets DigiUsher in without its external id) or (aws-linked) <c>not-a-member</c> (not in the root's AWS Organization, or its payer) and <c>another-account</c> (new credentials of another account).</param>
/// <param name="BillingAccess">True when the credentials can list and read the report bucket (required).</param>
/// <param name="PayerAccountId">The payer account, from the newest manifest or STS.</param>
/// <param name="PayerAccountSource"><c>manifest</c> or <c>sts</c>.</param>
/// <param name="BucketRegion">The bucket's region as S3 reports it.</param>
/// <param name="ReportName">The report chosen (given, or auto-detected).</param>
/// <param name="Reports">Every report found, compatible ones first.</param>
/// <param name="Permissions">Each permission of the connection guide.</param>
/// <param name="MissingActions">The denied actions, exactly as a policy names them.</param>
/// <param name="DisabledFeatures">Discovery features the missing actions turn off.</param>
/// <param name="Warnings">Things a person should look at that do not block the connection.</param>
/// <param name="Error">Why the connection was refused, if it was.</param>
public sealed record ValidationReport(
    DateTimeOffset CheckedAt,
    string Outcome,
    bool BillingAccess,
    string? PayerAccountId,
    string? PayerAccountSource,
    string? BucketRegion,
    string? ReportName,
    IReadOnlyList<DetectedReport> Reports,
    IReadOnlyList<PermissionCheck> Permissions,
    IReadOnlyList<string> MissingActions,
    IReadOnlyList<string> DisabledFeatures,
    IReadOnlyList<string> Warnings,
    string? Error)
{
    public const string Ok = "ok";
    public const string BillingAccessDenied = "billing-access-denied";
    public const string CredentialsRejected = "credentials-rejected";
    public const string BucketNotFound = "bucket-not-found";
    public const string RoleNotAssumable = "role-not-assumable";
    public const string ExternalIdNotRequired = "external-id-not-required";

    /// <summary>An <c>aws-linked</c> account that is not a member of its root's organization (or is the payer itself).</summary>
    public const string NotAMember = "not-a-member";

    /// <summary>New credentials of an <c>aws-linked</c> data source that belong to another account than the one it links.</summary>
    public const string AnotherAccount = "another-account";

    public bool Accepted => Outcome == Ok;

    /// <summary>For an <c>aws-linked</c> data source: the member account the credentials belong to (from STS).</summary>
    public string? AccountId { get; init; }

    /// <summary>
    /// For a root with a member account role: each member account of the payer's AWS Organization and whether the
    /// role could be assumed there (null: no member account role; empty: the accounts could not be listed, see the warnings).
    /// </summary>
    public IReadOnlyList<MemberAccountCheck>? MemberAccounts { get; init; }
}

/// <summary>What to validate of an <c>aws-linked</c> account: its credentials, and its root's to check it is a member.</summary>
/// <param name="Credentials">The member account's credentials.</param>
/// <param name="Region">The region to probe EC2 and CloudWatch in.</param>
/// <param name="Root">The root data source's credentials (null when the root is gone).</param>
/// <param name="RootListsAccounts">The root's validation found <c>organizations:ListAccounts</c> allowed: membership can be checked.</param>
/// <param name="PayerAccountId">The root's payer account.</param>
public sealed record LinkedTarget(ConnectionCredentials Credentials, string Region, ConnectionCredentials? Root, bool RootListsAccounts, string PayerAccountId)
{
    /// <summary>On a change of a linked data source's credentials: the account they must still belong to.</summary>
    public string? ExpectedAccountId { get; init; }
}

/// <summary>What to validate: credentials and where the reports are.</summary>
public sealed record ConnectionTarget(ConnectionCredentials Credentials, string Bucket, string Prefix, string? ReportName, string? Region);

namespace DigiUsher.Contracts;

/// <summary>The non-secret settings of a data source, as other services need them.</summary>
/// <param name="Name">Display name.</param>
/// <param name="Kind"><see cref="DataSourceKinds.AwsRoot"/> or <see cref="DataSourceKinds.AwsLinked"/>.</param>
/// <param name="Bucket">The S3 bucket holding the Cost and Usage Reports.</param>
/// <param name="Prefix">The report path prefix in the bucket (may be empty).</param>
/// <param name="ReportName">The CUR report (or Data Export) name, when known.</param>
/// <param name="Region">The bucket's region.</param>
/// <param name="PayerAccountId">The payer (management) account id, when known.</param>
/// <param name="CreatedByUserId">The user who connected it (the default owner of discovered resources).</param>
/// <param name="CreatedByEmail">That user's email.</param>
/// <param name="DisabledFeatures">Discovery kinds the credentials may not use (e.g. <c>iam</c>, <c>cloudwatch</c>), from validation.</param>
/// <param name="ParentDataSourceId">For an <c>aws-linked</c> data source: the root data source whose CUR bills it.</param>
/// <param name="AccountId">For an <c>aws-linked</c> data source: its member account id.</param>
/// <param name="MemberAccountRoleName">
/// For an <c>aws-root</c> data source: the IAM role, by name, that DataSource assumes in every member account of the
/// payer's AWS Organization so that discovery covers them (null: only the payer account is discovered).
/// </param>
public sealed record DataSourceSettings(
    string Name,
    string Kind,
    string Bucket,
    string Prefix,
    string? ReportName,
    string Region,
    string? PayerAccountId,
    Guid CreatedByUserId,
    string CreatedByEmail,
    IReadOnlyList<string> DisabledFeatures,
    Guid? ParentDataSourceId = null,
    string? AccountId = null,
    string? MemberAccountRoleName = null);

/// <summary>The kinds of data source.</summary>
public static class DataSourceKinds
{
    /// <summary>The payer (management) account of an AWS Organization, with the bucket of its Cost and Usage Reports.</summary>
    public const string AwsRoot = "aws-root";

    /// <summary>
    /// A member account of a root data source's organization, connected with its own credentials (keys or a
    /// role): its resources are discovered in it; its costs are the payer's CUR lines of its account id.
    /// </summary>
    public const string AwsLinked = "aws-linked";
}

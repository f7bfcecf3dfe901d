namespace DigiUsher.Contracts;

/// <summary>The non-secret settings of an AWS root data source, as other services need them.</summary>
/// <param name="Name">Display name.</param>
/// <param name="Kind">Always <c>aws-root</c> for now.</param>
/// <param name="Bucket">The S3 bucket holding the Cost and Usage Reports.</param>
/// <param name="Prefix">The report path prefix in the bucket (may be empty).</param>
/// <param name="ReportName">The CUR report (or Data Export) name, when known.</param>
/// <param name="Region">The bucket's region.</param>
/// <param name="PayerAccountId">The payer (management) account id, when known.</param>
/// <param name="CreatedByUserId">The user who connected it (the default owner of discovered resources).</param>
/// <param name="CreatedByEmail">That user's email.</param>
/// <param name="DisabledFeatures">Discovery kinds the credentials may not use (e.g. <c>iam</c>, <c>cloudwatch</c>), from validation.</param>
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
    IReadOnlyList<string> DisabledFeatures);

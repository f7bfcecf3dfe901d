using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DigiUsher.DataSource.Connections;
using DigiUsher.DataSource.Validation;
using DigiUsher.ServiceDefaults.Api;
using DigiUsher.ServiceDefaults.Security;

namespace DigiUsher.DataSource.Apis;

/// <summary>The answer of <c>GET /api/v1/aws/setup</c>: policies ready to paste.</summary>
/// <param name="Bucket">The report bucket.</param>
/// <param name="PayerAccountId">The payer account filled into the bucket policy, or null when the placeholder is left.</param>
/// <param name="BucketPolicy">The report bucket's policy, letting AWS billing deliver reports into it.</param>
/// <param name="BillingReadPolicy">The IAM policy DigiUsher needs to read the reports (required).</param>
/// <param name="DiscoveryPolicy">The IAM policy for resource discovery (optional, per feature).</param>
public sealed record AwsSetup(string Bucket, string? PayerAccountId, JsonObject BucketPolicy, JsonObject BillingReadPolicy, JsonObject DiscoveryPolicy);

public static partial class AwsSetupApi
{
    public static IEndpointRouteBuilder MapAwsSetupApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/aws/setup", Get)
            .WithTags("AWS setup")
            .RequireScope(Scopes.DataSourcesRead)
            .WithParameters(
                new ApiParameter("bucket", ApiParameterType.String, "The S3 bucket the Cost and Usage Reports are delivered to.") { Required = true, Example = "acme-cur-reports" },
                new ApiParameter("accountId", ApiParameterType.String, "The payer account id (12 digits) to fill into the bucket policy; the placeholder stays when absent.") { Example = "123456789012" })
            .Produces<AwsSetup>()
            .ProducesValidationProblem()
            .WithName("GetAwsSetup")
            .WithSummary("The bucket policy and the two IAM policies of the connection guide, with the bucket filled in");
        return app;
    }

    private static IResult Get(string? bucket, string? accountId)
    {
        var errors = new FieldErrors();
        errors.BucketName("bucket", bucket);
        errors.Matches("accountId", accountId, AccountIdPattern(), "must be a 12-digit AWS account id.");
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        return TypedResults.Ok(new AwsSetup(
            bucket!,
            accountId,
            SetupPolicies.BucketPolicy(bucket!, accountId),
            SetupPolicies.BillingReadPolicy(bucket!),
            SetupPolicies.DiscoveryPolicy()));
    }

    [GeneratedRegex(@"^\d{12}$")]
    private static partial Regex AccountIdPattern();
}

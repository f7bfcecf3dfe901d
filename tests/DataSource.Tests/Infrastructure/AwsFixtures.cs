using System.Net;
using System.Text;
using System.Xml.Linq;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace DigiUsher.DataSource.Tests.Infrastructure;

/// <summary>An IAM user's access keys created on moto.</summary>
public sealed record TestKeys(string AccessKeyId, string SecretAccessKey);

/// <summary>Builds AWS state on a moto server: buckets with CUR deliveries, IAM users with inline policies.</summary>
public static class AwsFixtures
{
    public const string PayerAccount = "210987654321";

    public static IAmazonS3 S3(string motoUrl, string accessKeyId = "AKIAIOSFODNN7EXAMPLE", string secret = "fixture-secret") =>
        new AmazonS3Client(new BasicAWSCredentials(accessKeyId, secret), new AmazonS3Config
        {
            ServiceURL = motoUrl,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
        });

    public static string NewBucketName() => "cur-" + Guid.NewGuid().ToString("N")[..20];

    /// <summary>
    /// A bucket holding one legacy CUR delivery under <c>prefix/report</c>: the period manifest and one data file.
    /// Two requests when <paramref name="withDataFile"/> is false, three otherwise (for moto's free-request budget).
    /// </summary>
    public static async Task CreateCurBucketAsync(IAmazonS3 s3, string bucket, string prefix, string report, bool withDataFile = true)
    {
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
        var folder = $"{(prefix.Length == 0 ? string.Empty : prefix + "/")}{report}/20240101-20240201";
        var assembly = "ea74f90b-e82f-9c72-fab6-abc716793752";
        var manifest = $$"""
            {
              "assemblyId": "{{assembly}}",
              "account": "{{PayerAccount}}",
              "columns": [
                {"category": "identity", "name": "LineItemId", "type": "String"},
                {"category": "lineItem", "name": "UsageAccountId", "type": "String"},
                {"category": "lineItem", "name": "ResourceId", "type": "String"},
                {"category": "lineItem", "name": "UnblendedCost", "type": "BigDecimal"}
              ],
              "charset": "UTF-8",
              "compression": "GZIP",
              "contentType": "text/csv",
              "reportId": "494124bac4e25a16a3b704c13be2c525fd60d25b0675eb0f72e7b9e8ea09e167",
              "reportName": "{{report}}",
              "billingPeriod": {"start": "20240101T000000.000Z", "end": "20240201T000000.000Z"},
              "bucket": "{{bucket}}",
              "reportKeys": ["{{folder}}/{{assembly}}/{{report}}-1.csv.gz"],
              "additionalArtifactKeys": []
            }
            """;
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = $"{folder}/{report}-Manifest.json", ContentBody = manifest });
        if (withDataFile)
        {
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = $"{folder}/{assembly}/{report}-1.csv.gz", ContentBody = "not read by validation" });
        }
    }

    /// <summary>
    /// Creates an IAM user with an inline policy allowing <paramref name="actions"/> on every resource,
    /// and an access key (three requests). Sent as moto's IAM query API with a well-formed but
    /// unchecked signature: only valid while moto's free requests last.
    /// </summary>
    public static async Task<TestKeys> CreateUserAsync(string motoUrl, string userName, params string[] actions)
    {
        await IamAsync(motoUrl, "CreateUser", ("UserName", userName));
        var policy = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[{{string.Join(",", actions.Select(a => $"\"{a}\""))}}],"Resource":"*"}]}""";
        await IamAsync(motoUrl, "PutUserPolicy", ("UserName", userName), ("PolicyName", "digiusher"), ("PolicyDocument", policy));
        var key = await IamAsync(motoUrl, "CreateAccessKey", ("UserName", userName));
        XNamespace ns = "https://iam.amazonaws.com/doc/2010-05-08/";
        var accessKey = key.Descendants(ns + "AccessKey").Single();
        return new TestKeys(accessKey.Element(ns + "AccessKeyId")!.Value, accessKey.Element(ns + "SecretAccessKey")!.Value);
    }

    /// <summary>
    /// Creates a role under <paramref name="path"/> with <paramref name="trustPolicy"/> and an inline
    /// policy allowing everything (two requests, while moto's free requests last); answers its ARN.
    /// </summary>
    public static async Task<string> CreateRoleAsync(string motoUrl, string path, string roleName, string trustPolicy)
    {
        var created = await IamAsync(motoUrl, "CreateRole", ("RoleName", roleName), ("Path", path), ("AssumeRolePolicyDocument", trustPolicy));
        await IamAsync(motoUrl, "PutRolePolicy", ("RoleName", roleName), ("PolicyName", "everything"),
            ("PolicyDocument", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"""));
        XNamespace ns = "https://iam.amazonaws.com/doc/2010-05-08/";
        return created.Descendants(ns + "Arn").First().Value;
    }

    /// <summary>From now on moto checks every request's signature and IAM policies, trust policies included (moto's reset-auth API).</summary>
    public static async Task EnforceAuthAsync(string motoUrl)
    {
        using var http = new HttpClient();
        using var response = await http.PostAsync(motoUrl.TrimEnd('/') + "/moto-api/reset-auth", new StringContent("0"));
        response.EnsureSuccessStatusCode();
    }

    private static async Task<XDocument> IamAsync(string motoUrl, string action, params (string Name, string Value)[] parameters)
    {
        using var http = new HttpClient();
        var form = new List<KeyValuePair<string, string>> { new("Action", action), new("Version", "2010-05-08") };
        form.AddRange(parameters.Select(p => new KeyValuePair<string, string>(p.Name, p.Value)));
        using var request = new HttpRequestMessage(HttpMethod.Post, motoUrl.TrimEnd('/') + "/") { Content = new FormUrlEncodedContent(form) };
        request.Headers.TryAddWithoutValidation("Authorization",
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0");
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"moto IAM {action} answered {(int)response.StatusCode}: {body}");
        }

        return XDocument.Parse(body, LoadOptions.None);
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}

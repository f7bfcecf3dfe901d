using System.Net;
using Amazon.S3;
using DigiUsher.Aws;
using DigiUsher.Cur.Reading;
using DigiUsher.CurParser.Importing;

namespace DigiUsher.CurParser.Tests;

public class ImportFailureTests
{
    [Fact]
    public void Of_WhenAFileIsBad_IsPermanentWithItsFileRowAndReason()
    {
        var failure = ImportFailure.Of(new CurFormatException("lineItem/UnblendedCost 'abc' is not a number", "cur/r-1.csv.gz", 42));

        Assert.Equal(new ImportFailure(ImportFailureKind.BadFile, "lineItem/UnblendedCost 'abc' is not a number", "cur/r-1.csv.gz", 42), failure);
        Assert.False(failure.Transient);
    }

    [Fact]
    public void Of_WhenDataSourceHasNoCredentials_IsPermanentAndSaysSo()
    {
        var failure = ImportFailure.Of(new CredentialsUnavailableException("the data source was removed"));

        Assert.Equal(ImportFailureKind.NoCredentials, failure.Kind);
        Assert.Equal("no AWS credentials for the data source: the data source was removed", failure.Reason);
        Assert.False(failure.Transient);
    }

    [Theory]
    [InlineData(HttpStatusCode.Forbidden, "AccessDenied")]
    [InlineData(HttpStatusCode.NotFound, "NoSuchKey")]
    public void Of_WhenS3RefusesAFile_IsPermanentAndPointsAtTheBucketPolicy(HttpStatusCode status, string code)
    {
        var failure = ImportFailure.Of(new AmazonS3Exception("refused") { StatusCode = status, ErrorCode = code });

        Assert.Equal(ImportFailureKind.S3Refused, failure.Kind);
        Assert.StartsWith($"S3 refused a report file ({code}: refused); check the bucket policy", failure.Reason);
        Assert.False(failure.Transient);
    }

    [Fact]
    public void Of_WhenTheLoadDoesNotReconcile_IsPermanentAndNotCalledTransient()
    {
        var failure = ImportFailure.Of(new ReconciliationException("COPY wrote 9 rows, the reader produced 10."));

        Assert.Equal(ImportFailureKind.NotReconciled, failure.Kind);
        Assert.False(failure.Transient);
        Assert.Contains("COPY wrote 9 rows, the reader produced 10.", failure.Reason);
        Assert.DoesNotContain("retried", failure.Reason);
    }

    [Theory]
    [InlineData(typeof(IOException))]
    [InlineData(typeof(TimeoutException))]
    [InlineData(typeof(OperationCanceledException))]
    public void Of_WhenAnythingElseFails_IsTransientAndWillBeRetried(Type type)
    {
        var failure = ImportFailure.Of((Exception)Activator.CreateInstance(type, "connection reset")!);

        Assert.Equal(new ImportFailure(ImportFailureKind.Transient, $"transient failure, will be retried: {type.Name}: connection reset"), failure);
        Assert.True(failure.Transient);
    }

    [Fact]
    public void Of_WhenS3FailsOtherwise_IsTransient() =>
        Assert.True(ImportFailure.Of(new AmazonS3Exception("slow down") { StatusCode = HttpStatusCode.ServiceUnavailable, ErrorCode = "SlowDown" }).Transient);
}

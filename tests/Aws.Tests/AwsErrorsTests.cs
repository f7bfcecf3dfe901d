using System.Net;

namespace DigiUsher.Aws.Tests;

public class AwsErrorsTests
{
    [Theory]
    [InlineData("AccessDenied", HttpStatusCode.Forbidden, AwsErrorKind.AccessDenied)]
    [InlineData("UnauthorizedOperation", HttpStatusCode.Forbidden, AwsErrorKind.AccessDenied)]
    [InlineData("AccessDeniedException", HttpStatusCode.BadRequest, AwsErrorKind.AccessDenied)]
    [InlineData("SomethingNew", HttpStatusCode.Forbidden, AwsErrorKind.AccessDenied)]
    [InlineData("SignatureDoesNotMatch", HttpStatusCode.Forbidden, AwsErrorKind.InvalidCredentials)]
    [InlineData("InvalidAccessKeyId", HttpStatusCode.Forbidden, AwsErrorKind.InvalidCredentials)]
    [InlineData("InvalidClientTokenId", HttpStatusCode.Forbidden, AwsErrorKind.InvalidCredentials)]
    [InlineData("AuthFailure", HttpStatusCode.Unauthorized, AwsErrorKind.InvalidCredentials)]
    [InlineData("ExpiredToken", HttpStatusCode.BadRequest, AwsErrorKind.ExpiredToken)]
    [InlineData("ExpiredTokenException", HttpStatusCode.Forbidden, AwsErrorKind.ExpiredToken)]
    [InlineData("OptInRequired", HttpStatusCode.Forbidden, AwsErrorKind.RegionDisabled)]
    [InlineData("PermanentRedirect", HttpStatusCode.MovedPermanently, AwsErrorKind.WrongRegion)]
    [InlineData("NoSuchBucket", HttpStatusCode.NotFound, AwsErrorKind.NotFound)]
    [InlineData("NoSuchEntity", HttpStatusCode.NotFound, AwsErrorKind.NotFound)]
    [InlineData("Whatever", HttpStatusCode.NotFound, AwsErrorKind.NotFound)]
    [InlineData("Throttling", HttpStatusCode.BadRequest, AwsErrorKind.Throttled)]
    [InlineData("SlowDown", HttpStatusCode.ServiceUnavailable, AwsErrorKind.Throttled)]
    [InlineData("Whatever", HttpStatusCode.TooManyRequests, AwsErrorKind.Throttled)]
    [InlineData("InternalError", HttpStatusCode.InternalServerError, AwsErrorKind.Unavailable)]
    [InlineData("EndpointUnreachable", (HttpStatusCode)0, AwsErrorKind.Unavailable)]
    [InlineData("ValidationError", HttpStatusCode.BadRequest, AwsErrorKind.Other)]
    [InlineData(null, HttpStatusCode.BadRequest, AwsErrorKind.Other)]
    public void Classify_ByCodeThenStatus_NamesWhatTheErrorMeans(string? code, HttpStatusCode status, AwsErrorKind kind) =>
        Assert.Equal(kind, AwsErrors.Classify(code, status));

    [Fact]
    public void Classify_IgnoresTheCodesCase() => Assert.Equal(AwsErrorKind.AccessDenied, AwsErrors.Classify("accessdenied", HttpStatusCode.BadRequest));

    [Theory]
    [InlineData(AwsErrorKind.InvalidCredentials, true)]
    [InlineData(AwsErrorKind.ExpiredToken, true)]
    [InlineData(AwsErrorKind.AccessDenied, false)]
    public void IsCredentialsRejected_IsTrueForWrongOrExpiredKeysOnly(AwsErrorKind kind, bool rejected) =>
        Assert.Equal(rejected, kind.IsCredentialsRejected());

    [Theory]
    [InlineData(AwsErrorKind.Throttled, true)]
    [InlineData(AwsErrorKind.Unavailable, true)]
    [InlineData(AwsErrorKind.NotFound, false)]
    public void IsTransient_IsTrueForThrottlingAndOutagesOnly(AwsErrorKind kind, bool transient) =>
        Assert.Equal(transient, kind.IsTransient());

    [Theory]
    [InlineData(DateTimeKind.Utc)]
    [InlineData(DateTimeKind.Unspecified)]
    public void Utc_WhenTheSdkGivesUtcOrUnspecified_KeepsTheClockTime(DateTimeKind kind) =>
        Assert.Equal(new DateTimeOffset(2024, 7, 1, 12, 0, 0, TimeSpan.Zero), AwsTimestamps.Utc(new DateTime(2024, 7, 1, 12, 0, 0, kind)));
}

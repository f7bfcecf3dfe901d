using Amazon.S3;
using DigiUsher.Aws;
using DigiUsher.Cur.Reading;

namespace DigiUsher.CurParser.Importing;

/// <summary>Why an import attempt failed, as far as retrying and the user are concerned.</summary>
public enum ImportFailureKind
{
    /// <summary>A report file is not a CUR file we can read (header, value, encoding, size): it fails the same way again.</summary>
    BadFile,

    /// <summary>DataSource has no usable credentials for the data source (removed, or never validated).</summary>
    NoCredentials,

    /// <summary>S3 refused a report file (access denied, or the delivery's files are gone).</summary>
    S3Refused,

    /// <summary>The rows loaded do not add up to what was read: a defect, not a fault of the files; retrying repeats it.</summary>
    NotReconciled,

    /// <summary>Anything else (network, throttling, the database): a retry may succeed.</summary>
    Transient,
}

/// <summary>
/// A failed attempt, classified: its kind, what the user is told (<see cref="Reason"/>, with the file
/// and row where known), and whether it is retried.
/// </summary>
public sealed record ImportFailure(ImportFailureKind Kind, string Reason, string? File = null, long? Row = null)
{
    /// <summary>
    /// A retry may succeed: the message is retried in memory, then the poller announces the delivery
    /// again after a backoff. Otherwise the delivery is closed as failed until a newer delivery of the period.
    /// </summary>
    public bool Transient => Kind == ImportFailureKind.Transient;

    /// <summary>Maps what an attempt threw to the failure it means (shutdown is not a failure and is handled before).</summary>
    public static ImportFailure Of(Exception exception) => exception switch
    {
        CurFormatException bad => new(ImportFailureKind.BadFile, bad.Reason, bad.File, bad.Row),
        CredentialsUnavailableException none => new(ImportFailureKind.NoCredentials, $"no AWS credentials for the data source: {none.Message}"),
        AmazonS3Exception refused when AwsErrors.Classify(refused) is AwsErrorKind.AccessDenied or AwsErrorKind.InvalidCredentials or AwsErrorKind.NotFound => new(
            ImportFailureKind.S3Refused,
            $"S3 refused a report file ({refused.ErrorCode}: {refused.Message}); check the bucket policy and that the delivery still exists"),
        ReconciliationException mismatch => new(
            ImportFailureKind.NotReconciled, $"the import was not made current: {mismatch.Message} This is a defect of DigiUsher, not of the files; please report it."),
        _ => new(ImportFailureKind.Transient, $"transient failure, will be retried: {exception.GetType().Name}: {exception.Message}"),
    };
}

/// <summary>What was loaded differs from what was read (row counts or per-currency sums).</summary>
public sealed class ReconciliationException(string message) : Exception(message);

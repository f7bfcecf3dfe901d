using System.Globalization;

namespace DigiUsher.Console.Connections;

/// <summary>An import that is loading now, as a person reads it: files done of files, rows so far, speed, expected end.</summary>
public static class ImportProgressText
{
    /// <summary>For example "2 of 5 files, 120,000 rows at 40,000 rows/s, expected to end about 22:31 UTC".</summary>
    public static string For(int filesDone, int files, long rows, double rowsPerSecond, DateTimeOffset? expectedEndAt)
    {
        var text = $"{filesDone} of {files} {(files == 1 ? "file" : "files")}, {rows.ToString("#,0", CultureInfo.InvariantCulture)} rows";
        if (rowsPerSecond > 0)
        {
            text += $" at {rowsPerSecond.ToString("#,0", CultureInfo.InvariantCulture)} rows/s";
        }

        return expectedEndAt is { } end
            ? text + $", expected to end about {end.ToUniversalTime().ToString("HH:mm", CultureInfo.InvariantCulture)} UTC"
            : text + ", estimating the end";
    }

    /// <summary>The share of files loaded, 0 to 100, for a progress bar; 0 when the file count is not known yet.</summary>
    public static int Percent(int filesDone, int files) => files <= 0 ? 0 : Math.Clamp(filesDone * 100 / files, 0, 100);
}

using System.Security.Cryptography;
using System.Text;

namespace DigiUsher.Cur.Layout;

/// <summary>Delivery ids where there is no assemblyId to use.</summary>
public static class DeliveryIds
{
    /// <summary>
    /// SHA-256 (hex) of the sorted <c>key, ETag</c> pairs: the same files with the same content give
    /// the same id, any rewritten file (new ETag) a new one.
    /// </summary>
    public static string FromFiles(IEnumerable<CurObject> files)
    {
        var text = new StringBuilder();
        foreach (var file in files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            text.Append(file.Key).Append('\t').Append(file.ETag).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}

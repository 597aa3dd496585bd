#define G_LOG_DOMAIN "dropify-display-name"

#include "config.h"

#include <glib/gi18n.h>

#include "dropify-display-name.h"

/**
 * dropify_display_name_is_unsafe_char:
 * @c: a character
 *
 * Whether @c changes how the text around it is shown rather than being
 * shown itself: a C0 or C1 control or DEL (terminal escapes, carriage
 * returns, bells), a bidi embedding, override, isolate or mark (which
 * reorder text, so “invoice\u202Efdp.exe” reads as “invoiceexe.pdf”), or
 * a line or paragraph separator. Joiners and combining marks are not in
 * the set: emoji sequences and real scripts need them.
 *
 * Returns: %TRUE if @c must not reach the screen as it is
 */
gboolean
dropify_display_name_is_unsafe_char (gunichar c)
{
  if (g_unichar_iscntrl (c))
    return TRUE;

  switch (c)
    {
    case 0x061C:                  /* ARABIC LETTER MARK */
    case 0x200E:                  /* LEFT-TO-RIGHT MARK */
    case 0x200F:                  /* RIGHT-TO-LEFT MARK */
    case 0x2028:                  /* LINE SEPARATOR */
    case 0x2029:                  /* PARAGRAPH SEPARATOR */
      return TRUE;
    default:
      break;
    }

  return (c >= 0x202A && c <= 0x202E) ||  /* embeddings and overrides */
         (c >= 0x2066 && c <= 0x2069);    /* isolates */
}

/* Valid UTF-8, no unsafe character, no surrounding white space, and at
 * most @max_chars characters in at most @max_bytes bytes. Cut on a
 * character boundary, so the result stays valid UTF-8. */
static char *
clean (const char *text,
       gsize       max_chars,
       gsize       max_bytes)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  g_autoptr(GString) kept = g_string_new (NULL);
  g_autoptr(GString) bounded = g_string_new (NULL);
  gsize n_chars = 0;
  char *start;
  char *end;

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (!dropify_display_name_is_unsafe_char (c))
        g_string_append_unichar (kept, c);
    }

  /* White space only at the edges: what is left must look like a name,
   * not like blank space or a line pushed aside. */
  start = kept->str;
  while (*start != '\0' && g_unichar_isspace (g_utf8_get_char (start)))
    start = g_utf8_next_char (start);

  for (const char *p = start; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (n_chars == max_chars || bounded->len + g_unichar_to_utf8 (c, NULL) > max_bytes)
        break;
      g_string_append_unichar (bounded, c);
      n_chars++;
    }

  end = bounded->str + bounded->len;
  while (end > bounded->str)
    {
      char *prev = g_utf8_prev_char (end);
      gunichar c = g_utf8_get_char (prev);

      /* A joiner the cut left at the end joins nothing. */
      if (!g_unichar_isspace (c) && c != 0x200D)
        break;
      end = prev;
    }
  g_string_truncate (bounded, end - bounded->str);

  return g_string_free (g_steal_pointer (&bounded), FALSE);
}

/**
 * dropify_display_name_clean_device:
 * @name: (nullable): a device name another device sent
 *
 * Makes a device name inert: valid UTF-8 without controls, bidi
 * controls or line separators, trimmed, and at most
 * %DROPIFY_DISPLAY_NAME_MAX_DEVICE_CHARS characters. A name with nothing
 * left becomes “Unnamed device”.
 *
 * Returns: (transfer full): a non-empty name
 */
char *
dropify_display_name_clean_device (const char *name)
{
  g_autofree char *cleaned = clean (name ? name : "",
                                    DROPIFY_DISPLAY_NAME_MAX_DEVICE_CHARS, G_MAXSIZE);

  if (*cleaned == '\0')
    return g_strdup (_("Unnamed device"));

  return g_steal_pointer (&cleaned);
}

/**
 * dropify_display_name_clean_file:
 * @name: (nullable): a file name another device sent
 *
 * Makes a file name inert, like dropify_display_name_clean_device(), but
 * bounded to %DROPIFY_DISPLAY_NAME_MAX_FILE_BYTES bytes, the protocol's
 * limit. It does not make a path safe (`/` and `..` are kept for the
 * caller to refuse); see dropify_drop_sanitize_name() for that.
 *
 * Returns: (transfer full): a non-empty name
 */
char *
dropify_display_name_clean_file (const char *name)
{
  g_autofree char *cleaned = clean (name ? name : "",
                                    G_MAXSIZE, DROPIFY_DISPLAY_NAME_MAX_FILE_BYTES);

  if (*cleaned == '\0')
    /* Translators: the name given to a received file whose name was empty */
    return g_strdup (_("file"));

  return g_steal_pointer (&cleaned);
}

/**
 * dropify_display_name_escape:
 * @text: (nullable): text to print, from this device or another
 * @keep_line_breaks: whether newlines and tabs stay as they are
 *
 * Shows every character dropify_display_name_is_unsafe_char() names as a
 * visible escape, such as `\u202e` or `\u001b`, and bytes that are not
 * UTF-8 as `\xff`, so that printing the result to a terminal cannot move
 * the cursor, erase a line or reorder the text. The names the core keeps
 * are clean already; this is the last line of defence, for whatever gets
 * past it (an older instance, an error message quoting a peer).
 *
 * Returns: (transfer full): printable text
 */
char *
dropify_display_name_escape (const char *text,
                             gboolean    keep_line_breaks)
{
  GString *escaped = g_string_new (NULL);
  const char *p = text ? text : "";
  const char *end = p + strlen (p);

  while (p < end)
    {
      gunichar c = g_utf8_get_char_validated (p, end - p);

      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append_printf (escaped, "\\x%02x", (guint8) *p);
          p++;
          continue;
        }

      if (dropify_display_name_is_unsafe_char (c) &&
          !(keep_line_breaks && (c == '\n' || c == '\t')))
        g_string_append_printf (escaped, "\\u%04x", c);
      else
        g_string_append_unichar (escaped, c);

      p = g_utf8_next_char (p);
    }

  return g_string_free (escaped, FALSE);
}

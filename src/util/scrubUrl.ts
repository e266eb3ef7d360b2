/** A URL without its user name and password, so it can be logged (API keys often sit there). */
export function scrubUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.username === '' && u.password === '') return url
    u.username = ''
    u.password = ''
    return u.toString()
  } catch {
    return '<invalid url>'
  }
}

/** Time: the injectable clock and the timer wheel that every expiry runs on. */
package dev.beacon.core.time;
